create trigger orders_touch
    before update on app.orders
    for each row execute function app.touch_updated_at();

-- New: only when the status really changes.
create trigger orders_audit_status
    after update of status on app.orders
    for each row
    when (old.status is distinct from new.status)
    execute function app.audit_status();
