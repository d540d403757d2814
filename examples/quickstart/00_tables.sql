-- The tables come from your usual schema migrations (an ORM, dbmate, Flyway...); PgAutogen manages
-- the logic around them. This file stands for those migrations in the quickstart.
-- migrate:up
CREATE SCHEMA app;
CREATE TABLE app.orders (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    customer    text NOT NULL,
    total       numeric(12, 2) NOT NULL DEFAULT 0,
    status      text NOT NULL DEFAULT 'new',
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE app.order_audit (
    order_id    bigint NOT NULL,
    old_status  text,
    new_status  text,
    changed_at  timestamptz NOT NULL DEFAULT now()
);

-- migrate:down
DROP SCHEMA app CASCADE;
