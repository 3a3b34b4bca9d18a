from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from catalog.models import Product

from . import services
from .forms import ReviewForm
from .models import Review


@require_POST
@login_required
def review_create(request, slug):
    product = get_object_or_404(Product.objects.active(), slug=slug)
    form = ReviewForm(request.POST)
    if form.is_valid():
        try:
            review = services.submit_review(user=request.user, product=product, **form.cleaned_data)
        except services.ReviewNotAllowed as error:
            messages.error(request, str(error))
            return redirect(product)
        if review.status == Review.Status.PENDING:
            messages.success(request, "Thank you! Your review will appear once it is approved.")
        else:
            messages.success(request, "Thank you for your review!")
        return redirect(product)
    # The form again, with the errors next to the fields.
    context = {"product": product, "can_review": True, "review_form": form}
    return render(request, "reviews/review_form_page.html", context, status=400)
