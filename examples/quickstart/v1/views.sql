create view app.open_orders as
    select id, customer, total, app.with_vat(total) as total_with_vat
    from app.orders
    where status <> 'closed';
