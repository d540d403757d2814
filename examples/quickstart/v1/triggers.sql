create trigger orders_touch
    before update on app.orders
    for each row execute function app.touch_updated_at();
