def cart_summary(request):
    """The header's cart count (stub; filled in with the cart service)."""
    return {"cart_item_count": 0}
