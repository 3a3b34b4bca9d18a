import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.functional import cached_property
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django.views.generic import DetailView, FormView, ListView

from catalog.models import Product

from . import services
from .carts import current_cart, summarize_current_cart
from .forms import CHECKOUT_EXPIRED, AddressForm, CheckoutForm, QuantityForm
from .models import Address, Order

SESSION_CHECKOUT_TOKEN = "checkout_token"  # noqa: S105 (a session key's name, not a secret)


@require_safe
def cart_detail(request):
    return _cart_page(request, status=200)


def _cart_page(request, *, status):
    """The cart page; also the answer to a refused cart change, with the reason as a message."""
    context = {"cart": summarize_current_cart(request)}
    return render(request, "orders/cart_detail.html", context, status=status)


def _refuse(request, message, *, status):
    messages.error(request, f"{message} Your cart is unchanged.")
    return _cart_page(request, status=status)


def _invalid_quantity(request, form):
    return _refuse(request, form.errors["quantity"][0], status=400)


@require_POST
def cart_add(request, slug):
    product = get_object_or_404(Product.objects.active(), slug=slug)
    form = QuantityForm(request.POST)
    if not form.is_valid():
        return _invalid_quantity(request, form)
    quantity = form.cleaned_data["quantity"]
    cart = current_cart(request, create=True)
    try:
        services.add_to_cart(cart=cart, product=product, quantity=quantity)
    except services.CartError as error:
        return _refuse(request, str(error), status=409)
    messages.success(request, f"Added {quantity} × {product.name} to your cart.")
    return redirect("orders:cart")


@require_POST
def cart_update(request, product_id):
    form = QuantityForm(request.POST)
    if not form.is_valid():
        return _invalid_quantity(request, form)
    cart = current_cart(request)
    if cart is None:
        return _refuse(request, "That product is not in your cart.", status=404)
    try:
        item = services.update_cart_item(
            cart=cart, product_id=product_id, quantity=form.cleaned_data["quantity"]
        )
    except services.CartError as error:
        return _refuse(request, str(error), status=409)
    messages.success(request, f"Updated {item.product.name} to {item.quantity}.")
    return redirect("orders:cart")


@require_POST
def cart_remove(request, product_id):
    cart = current_cart(request)
    if cart is not None:
        services.remove_from_cart(cart=cart, product_id=product_id)
    messages.success(request, "Removed the item from your cart.")
    return redirect("orders:cart")


class CheckoutView(LoginRequiredMixin, FormView):
    template_name = "orders/checkout.html"
    form_class = CheckoutForm
    # Not FormView's PUT, which it treats as a POST.
    http_method_names = ["get", "post", "head", "options"]

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and request.method == "GET" and not self.cart.items:
            messages.info(request, "Your cart is empty.")
            return redirect("orders:cart")
        return super().dispatch(request, *args, **kwargs)

    @cached_property
    def cart(self):
        """The cart's lines and totals, read when the page shows them: placing an order reads
        the cart itself, under lock (services.place_order)."""
        return summarize_current_cart(self.request)

    def checkout_token(self, *, shown=None):
        """One token per checkout, kept in the session so every tab shows the same one; a new
        one once an order has used it. Checked when the form is `shown` (a GET), so that
        placing the order need not write the session."""
        session, user = self.request.session, self.request.user
        token = session.get(SESSION_CHECKOUT_TOKEN)
        shown = self.request.method == "GET" if shown is None else shown
        if token is None or (shown and Order.objects.placed_with(user, token).exists()):
            token = session[SESSION_CHECKOUT_TOKEN] = str(uuid.uuid4())
        return token

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "addresses": self.saved_addresses}

    @cached_property
    def saved_addresses(self):
        return list(Address.objects.for_user(self.request.user))

    @cached_property
    def address_form(self):
        data = self.request.POST if self.request.method == "POST" else None
        return AddressForm(data, initial={"name": self.request.user.get_full_name()})

    def get_initial(self):
        initial = {"checkout_token": self.checkout_token()}
        # The address used last is picked; "A new address" when there is none.
        if self.saved_addresses:
            initial["saved_address"] = self.saved_addresses[0].pk
        return initial

    def get_context_data(self, **kwargs):
        return super().get_context_data(cart=self.cart, address_form=self.address_form, **kwargs)

    def form_invalid(self, form):
        if "checkout_token" in form.errors:
            # The hidden token is missing or altered: say so, with a token that works.
            form.data = form.data.copy()
            form.data["checkout_token"] = self.checkout_token(shown=True)
            form.add_error(None, CHECKOUT_EXPIRED)
        return self.render_to_response(self.get_context_data(form=form), status=400)

    def form_valid(self, form):
        data = form.cleaned_data
        saved_address = data["saved_address"]
        if saved_address is None and not self.address_form.is_valid():
            return self.form_invalid(form)
        email = self.request.user.email
        if not email:
            form.add_error(None, "Your account has no e-mail address to confirm the order to.")
            return self.form_invalid(form)
        if saved_address is not None:
            shipping = services.ShippingDetails.from_address(saved_address, email=email)
        else:
            shipping = services.ShippingDetails(email=email, **self.address_form.cleaned_data)
        try:
            order, created = services.place_order(
                user=self.request.user, shipping=shipping, checkout_token=data["checkout_token"]
            )
        except services.TooManyOrders as error:
            form.add_error(None, str(error))
            return self.render_to_response(self.get_context_data(form=form), status=429)
        except services.CartError as error:
            messages.error(self.request, str(error))
            return redirect("orders:cart")
        if created:
            messages.success(self.request, f"Thank you! Your order {order.number} is placed.")
            self.remember_address(saved_address, data["save_address"])
        else:
            messages.info(self.request, f"Your order {order.number} was already placed.")
        return redirect(order)

    def remember_address(self, saved_address, save_new):
        if saved_address is not None:
            services.mark_address_used(saved_address)
        elif save_new:
            try:
                services.save_address(
                    user=self.request.user, details=self.address_form.cleaned_data
                )
            except services.AddressLimitReached as error:
                messages.info(self.request, f"The address was not saved. {error}")


class OrderListView(LoginRequiredMixin, ListView):
    template_name = "orders/order_list.html"
    context_object_name = "orders"
    paginate_by = 20

    def get_queryset(self):
        return Order.objects.for_user(self.request.user).order_by("-created_at")


class OrderDetailView(LoginRequiredMixin, DetailView):
    template_name = "orders/order_detail.html"
    context_object_name = "order"
    slug_field = slug_url_kwarg = "number"

    def get_queryset(self):
        # Another shopper's order number is a 404, as if it did not exist.
        return Order.objects.for_user(self.request.user).with_items()


@require_http_methods(["GET", "POST"])
@login_required
def order_cancel(request, number):
    """GET asks "Cancel order …?" and changes nothing; the page's POST form cancels."""
    order = get_object_or_404(Order.objects.for_user(request.user), number=number)
    if request.method == "GET":
        return render(request, "orders/order_cancel.html", {"order": order})
    try:
        services.cancel_order(order=order)
    except services.OrderStatusError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"Order {order.number} is cancelled.")
    return redirect(order)


@login_required
@require_http_methods(["GET", "POST"])
def address_add(request):
    form = AddressForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_address(user=request.user, details=form.cleaned_data)
        except services.AddressLimitReached as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "The address is saved.")
            return redirect("accounts:account")
    status = 400 if form.is_bound else 200
    return render(request, "orders/address_form.html", {"form": form}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def address_edit(request, pk):
    # Another shopper's address is a 404, as if it did not exist.
    address = get_object_or_404(Address.objects.for_user(request.user), pk=pk)
    form = AddressForm(request.POST or None, instance=address)
    if request.method == "POST" and form.is_valid():
        services.update_address(address, details=form.cleaned_data)
        messages.success(request, "The address is changed.")
        return redirect("accounts:account")
    status = 400 if form.is_bound else 200
    context = {"form": form, "address": address}
    return render(request, "orders/address_form.html", context, status=status)


@login_required
@require_POST
def address_delete(request, pk):
    address = get_object_or_404(Address.objects.for_user(request.user), pk=pk)
    address.delete()
    messages.success(request, f"Deleted the address {address}.")
    return redirect("accounts:account")
