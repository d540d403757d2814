create view app.open_orders as
    select id, customer, total, app.with_vat(total) as total_with_vat, status
    from app.orders
    where status not in ('closed', 'cancelled');
