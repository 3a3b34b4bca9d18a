def product_review_context(request, product):
    """What the product page needs to show reviews and the review form (stub)."""
    return {"reviews": [], "review_form": None, "can_review": False}
