from django import forms

from .models import Review


class ReviewForm(forms.ModelForm):
    rating = forms.TypedChoiceField(
        choices=[(stars, f"{stars} star{'s' if stars > 1 else ''}") for stars in range(5, 0, -1)],
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": "Choose a rating from 1 to 5 stars."},
    )

    class Meta:
        model = Review
        fields = ["rating", "title", "body"]
        labels = {"body": "Your review"}
        widgets = {"body": forms.Textarea(attrs={"rows": 5, "maxlength": 4000})}
