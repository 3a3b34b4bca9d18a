from django.urls import path

from . import views

app_name = "orders"

urlpatterns = [
    path("cart/", views.cart_detail, name="cart"),
    path("cart/add/<slug:slug>/", views.cart_add, name="cart-add"),
    path("cart/items/<int:product_id>/update/", views.cart_update, name="cart-update"),
    path("cart/items/<int:product_id>/remove/", views.cart_remove, name="cart-remove"),
    path("checkout/", views.CheckoutView.as_view(), name="checkout"),
    path("orders/", views.OrderListView.as_view(), name="order-list"),
    # Order numbers are letters and digits: the slug converter keeps anything else (a NUL byte,
    # which PostgreSQL refuses in a query: a 500) from reaching the database; it is a 404.
    path("orders/<slug:number>/", views.OrderDetailView.as_view(), name="order-detail"),
    path("orders/<slug:number>/cancel/", views.order_cancel, name="order-cancel"),
    path("account/addresses/add/", views.address_add, name="address-add"),
    path("account/addresses/<int:pk>/edit/", views.address_edit, name="address-edit"),
    path("account/addresses/<int:pk>/delete/", views.address_delete, name="address-delete"),
]
