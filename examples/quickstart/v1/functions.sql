-- Keeps updated_at current on every change.
create function app.touch_updated_at() returns trigger
language plpgsql as $$
begin
    new.updated_at := now();
    return new;
end
$$;

-- The order total with VAT, used by the reporting view.
create function app.with_vat(amount numeric) returns numeric
language sql immutable
return round(amount * 1.20, 2);
