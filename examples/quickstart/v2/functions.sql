-- Keeps updated_at current on every change.
create function app.touch_updated_at() returns trigger
language plpgsql as $$
begin
    new.updated_at := clock_timestamp();   -- changed: the time of the change, not of the transaction
    return new;
end
$$;

-- The order total with VAT, used by the reporting view.
create function app.with_vat(amount numeric) returns numeric
language sql immutable
return round(amount * 1.20, 2);

-- New: record every status change.
create function app.audit_status() returns trigger
language plpgsql as $$
begin
    insert into app.order_audit (order_id, old_status, new_status)
    values (new.id, old.status, new.status);
    return new;
end
$$;
