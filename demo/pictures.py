"""Pictures of the demo products, drawn with Pillow when the catalog is seeded.

Each picture shows the product's object (a lamp, headphones, a kettle...: its sub-category's,
or its noun's where that differs, a mug among the kettles) in the product's material's colour
on a soft background, in up to three views (front, close-up, from the side). Products that
share them share the files, so seeding any number of products draws about 220 pictures, and a
second run draws none (the files are kept under demo/ in the default storage and found again
by name).
"""

import colorsys
import functools
import hashlib
import io
import posixpath

from django.core.files.base import ContentFile
from django.utils.text import slugify
from PIL import Image, ImageDraw, ImageFilter

from catalog import images

SIZE = (960, 720)  # 4:3, as cards and the product page show pictures
VIEWS = ("front view", "close-up", "side view")
# The demo seeds many pictures: small renditions only (the pictures are 960 wide), made fast
# (bilinear resizing, WebP's quickest effort but one: about 40 ms a picture on one core).
DEMO_WIDTHS = (160, 320, 640)
WEBP_METHOD = 1

# Materials and finishes in the product names, as colours (others get one from their name).
MATERIAL_COLOURS = {
    "walnut": (94, 60, 40),
    "oak": (196, 156, 108),
    "brass": (184, 150, 66),
    "linen": (214, 201, 176),
    "ceramic": (232, 229, 220),
    "steel": (150, 158, 166),
    "copper": (184, 110, 60),
    "cast-iron": (52, 52, 56),
    "enamel": (34, 94, 150),
    "damascus": (112, 118, 126),
    "carbon-steel": (64, 66, 70),
    "wool": (150, 92, 78),
    "cotton": (238, 234, 224),
    "mohair": (190, 160, 140),
    "bamboo": (206, 180, 110),
    "leather": (128, 72, 42),
    "canvas": (176, 160, 120),
    "cork": (180, 134, 92),
    "felt": (96, 100, 110),
    "ripstop": (40, 110, 90),
    "waxed-canvas": (110, 100, 60),
    "nylon": (30, 40, 60),
    "black": (28, 28, 30),
    "aluminium": (190, 194, 198),
    "fabric": (80, 84, 92),
    "galvanised": (168, 176, 180),
    "wireless": (36, 38, 44),
    "noise-cancelling": (60, 64, 74),
    "wired": (210, 210, 214),
}


def material_colour(variant):
    slug = slugify(variant)
    if slug in MATERIAL_COLOURS:
        return MATERIAL_COLOURS[slug]
    hue = int(hashlib.sha256(slug.encode()).hexdigest()[:4], 16) / 0xFFFF
    return tuple(round(c * 255) for c in colorsys.hls_to_rgb(hue, 0.45, 0.55))


def _mix(colour, other, amount):
    return tuple(round(a + (b - a) * amount) for a, b in zip(colour, other, strict=True))


def _shade(colour, amount):
    """Darker (amount > 0) or lighter (amount < 0)."""
    return _mix(colour, (0, 0, 0) if amount > 0 else (255, 255, 255), abs(amount))


# --- The objects, drawn in a 100 x 75 box scaled to the picture ---------------------------------


def _lamp(d, c, x, y):
    d.polygon([x(36), y(14), x(64), y(14), x(74), y(38), x(26), y(38)], fill=c)
    d.rectangle([x(48.5), y(38), x(51.5), y(62)], fill=_shade(c, 0.4))
    d.ellipse([x(36), y(60), x(64), y(66)], fill=_shade(c, 0.5))
    d.polygon([x(30), y(38), x(70), y(38), x(82), y(58), x(18), y(58)], fill=(255, 240, 190, 70))


def _headphones(d, c, x, y):
    d.arc([x(28), y(10), x(72), y(60)], 180, 360, fill=_shade(c, 0.2), width=max(6, x(5) - x(0)))
    d.rounded_rectangle([x(22), y(32), x(36), y(58)], radius=x(4) - x(0), fill=c)
    d.rounded_rectangle([x(64), y(32), x(78), y(58)], radius=x(4) - x(0), fill=c)
    d.ellipse([x(25), y(38), x(33), y(52)], fill=_shade(c, 0.35))
    d.ellipse([x(67), y(38), x(75), y(52)], fill=_shade(c, 0.35))


def _speaker(d, c, x, y):
    d.rounded_rectangle([x(34), y(8), x(66), y(66)], radius=x(3) - x(0), fill=c)
    d.ellipse([x(42), y(14), x(58), y(28)], fill=_shade(c, 0.5))
    d.ellipse([x(38), y(34), x(62), y(58)], fill=_shade(c, 0.55))
    d.ellipse([x(46), y(42), x(54), y(50)], fill=_shade(c, 0.2))


def _hifi(d, c, x, y):
    d.rounded_rectangle([x(14), y(30), x(86), y(56)], radius=x(2) - x(0), fill=c)
    for knob in (24, 40):
        d.ellipse([x(knob - 5), y(36), x(knob + 5), y(50)], fill=_shade(c, -0.5))
    d.rectangle([x(52), y(38), x(80), y(44)], fill=_shade(c, 0.5))
    d.rectangle([x(18), y(56), x(24), y(60)], fill=_shade(c, 0.6))
    d.rectangle([x(76), y(56), x(82), y(60)], fill=_shade(c, 0.6))


def _kettle(d, c, x, y):
    d.polygon([x(64), y(40), x(82), y(24), x(84), y(28), x(70), y(52)], fill=_shade(c, 0.15))
    d.ellipse([x(26), y(24), x(72), y(66)], fill=c)
    d.arc([x(34), y(8), x(64), y(40)], 180, 360, fill=_shade(c, 0.45), width=x(3) - x(0))
    d.ellipse([x(44), y(20), x(54), y(26)], fill=_shade(c, 0.4))
    d.ellipse([x(34), y(32), x(44), y(44)], fill=_shade(c, -0.35))


def _pan(d, c, x, y):
    d.rounded_rectangle([x(60), y(40), x(94), y(46)], radius=x(2) - x(0), fill=_shade(c, 0.5))
    d.ellipse([x(8), y(22), x(66), y(64)], fill=_shade(c, 0.25))
    d.ellipse([x(13), y(26), x(61), y(60)], fill=c)


def _knife(d, c, x, y):
    d.polygon(
        [x(12), y(44), x(60), y(36), x(60), y(46), x(14), y(47)], fill=_mix(c, (220,) * 3, 0.5)
    )
    d.rounded_rectangle([x(60), y(35), x(90), y(47)], radius=x(3) - x(0), fill=_shade(c, 0.3))
    for rivet in (68, 76, 84):
        d.ellipse([x(rivet - 1), y(40), x(rivet + 1), y(42)], fill=(230, 230, 230))


def _folded(d, c, x, y):
    for step in range(4):
        top = 50 - step * 10
        d.rounded_rectangle(
            [x(22), y(top), x(78), y(top + 11)], radius=x(2) - x(0), fill=_shade(c, 0.08 * step)
        )
        d.line([x(22), y(top + 5), x(78), y(top + 5)], fill=_shade(c, -0.3), width=2)


def _box(d, c, x, y):
    d.polygon([x(20), y(30), x(80), y(30), x(74), y(66), x(26), y(66)], fill=c)
    d.rectangle([x(18), y(26), x(82), y(32)], fill=_shade(c, 0.25))
    for line in range(36, 66, 6):
        d.line([x(24), y(line), x(76), y(line)], fill=_shade(c, 0.15), width=2)


def _tent(d, c, x, y):
    d.polygon([x(50), y(10), x(88), y(64), x(12), y(64)], fill=c)
    d.polygon([x(50), y(10), x(60), y(64), x(40), y(64)], fill=_shade(c, 0.45))
    d.line([x(4), y(64), x(96), y(64)], fill=_shade(c, 0.6), width=3)


def _helmet(d, c, x, y):
    d.chord([x(22), y(18), x(78), y(78)], 180, 360, fill=c)
    for vent in (34, 46, 58):
        d.rounded_rectangle([x(vent), y(26), x(vent + 6), y(40)], radius=4, fill=_shade(c, 0.5))
    d.rectangle([x(20), y(46), x(80), y(50)], fill=_shade(c, 0.3))


def _planter(d, c, x, y):
    for leaf, (dx, dy) in enumerate([(-14, -18), (0, -26), (14, -18), (-6, -12), (8, -12)]):
        green = _mix((46, 120, 60), (120, 170, 80), leaf / 5)
        d.ellipse([x(50 + dx - 7), y(36 + dy), x(50 + dx + 7), y(36 + dy + 20)], fill=green)
    d.polygon([x(30), y(36), x(70), y(36), x(64), y(66), x(36), y(66)], fill=c)
    d.rectangle([x(28), y(34), x(72), y(40)], fill=_shade(c, 0.2))


def _notebook(d, c, x, y):
    d.rounded_rectangle([x(32), y(10), x(68), y(66)], radius=x(2) - x(0), fill=c)
    d.rectangle([x(32), y(10), x(36), y(66)], fill=_shade(c, 0.3))
    d.rectangle([x(60), y(10), x(62), y(66)], fill=_shade(c, 0.55))
    d.rectangle([x(38), y(20), x(58), y(26)], fill=_shade(c, -0.6))


def _desk(d, c, x, y):
    d.rounded_rectangle([x(12), y(44), x(88), y(52)], radius=x(1) - x(0), fill=c)
    d.rectangle([x(16), y(52), x(20), y(64)], fill=_shade(c, 0.3))
    d.rectangle([x(80), y(52), x(84), y(64)], fill=_shade(c, 0.3))
    d.rounded_rectangle([x(30), y(30), x(46), y(44)], radius=3, fill=_shade(c, 0.45))
    d.rectangle([x(52), y(36), x(74), y(44)], fill=_shade(c, -0.4))


def _bag(d, c, x, y):
    d.arc([x(38), y(6), x(62), y(30)], 180, 360, fill=_shade(c, 0.4), width=x(2) - x(0))
    d.rounded_rectangle([x(28), y(16), x(72), y(68)], radius=x(8) - x(0), fill=c)
    d.rounded_rectangle([x(28), y(16), x(72), y(36)], radius=x(8) - x(0), fill=_shade(c, 0.2))
    d.rounded_rectangle([x(36), y(46), x(64), y(62)], radius=x(3) - x(0), fill=_shade(c, 0.12))
    d.rectangle([x(47), y(34), x(53), y(40)], fill=(200, 190, 160))


def _mug(d, c, x, y):
    d.arc([x(58), y(30), x(76), y(54)], 270, 90, fill=_shade(c, 0.2), width=x(3) - x(0))
    d.rounded_rectangle([x(32), y(24), x(66), y(64)], radius=x(4) - x(0), fill=c)
    d.ellipse([x(32), y(20), x(66), y(28)], fill=_shade(c, 0.3))
    d.rectangle([x(36), y(34), x(40), y(56)], fill=_shade(c, -0.3))


def _lantern(d, c, x, y):
    d.arc([x(40), y(4), x(60), y(22)], 180, 360, fill=_shade(c, 0.5), width=x(1.5) - x(0))
    d.polygon([x(38), y(18), x(62), y(18), x(58), y(12), x(42), y(12)], fill=_shade(c, 0.3))
    d.rounded_rectangle([x(38), y(18), x(62), y(58)], radius=x(3) - x(0), fill=(255, 236, 170))
    for bar in (38, 49, 60):
        d.rectangle([x(bar), y(18), x(bar + 2), y(58)], fill=c)
    d.rectangle([x(36), y(56), x(64), y(64)], fill=c)


def _hand_tool(d, c, x, y):
    d.polygon(
        [x(14), y(40), x(40), y(30), x(52), y(40), x(40), y(50)], fill=_mix(c, (200,) * 3, 0.3)
    )
    d.rectangle([x(50), y(38), x(60), y(42)], fill=_shade(c, 0.4))
    d.rounded_rectangle([x(58), y(35), x(90), y(45)], radius=x(4) - x(0), fill=(120, 84, 50))


def _watering_can(d, c, x, y):
    d.polygon([x(62), y(44), x(88), y(18), x(92), y(22), x(68), y(56)], fill=_shade(c, 0.15))
    d.ellipse([x(84), y(12), x(96), y(22)], fill=_shade(c, 0.3))
    d.arc([x(28), y(10), x(62), y(46)], 180, 360, fill=_shade(c, 0.35), width=x(3) - x(0))
    d.rounded_rectangle([x(24), y(28), x(66), y(66)], radius=x(5) - x(0), fill=c)


OBJECTS = {
    "lighting": _lamp,
    "headphones": _headphones,
    "speakers": _speaker,
    "hi-fi": _hifi,
    "coffee-tea": _kettle,
    "cookware": _pan,
    "knives": _knife,
    "textiles": _folded,
    "storage": _box,
    "camping": _tent,
    "cycling": _helmet,
    "garden": _planter,
    "stationery": _notebook,
    "desk": _desk,
    "bags": _bag,
    # Nouns the sub-category's object would misrepresent.
    "mug": _mug,
    "lantern": _lantern,
    "trowel": _hand_tool,
    "pruner": _hand_tool,
    "watering-can": _watering_can,
}


def object_of(subcategory_slug, noun):
    """The drawing (a key of OBJECTS) of a product: its noun's own, else its sub-category's."""
    noun = slugify(noun)
    return noun if noun in OBJECTS else subcategory_slug


@functools.cache
def _masks(view):
    """The background's gradient and the floor shadow's mask of a view (the same for all)."""
    gradient = Image.linear_gradient("L").resize(SIZE, Image.Resampling.BILINEAR)
    x, y = _placement(view)
    small = Image.new("L", (SIZE[0] // 4, SIZE[1] // 4), 0)
    box = [x(18) // 4, y(62) // 4, x(82) // 4, y(72) // 4]
    ImageDraw.Draw(small).ellipse(box, fill=90)
    shadow = small.filter(ImageFilter.BoxBlur(5)).resize(SIZE, Image.Resampling.BILINEAR)
    return gradient, shadow


def _placement(view):
    """Functions from the 100 x 75 drawing box to the picture's pixels: view 1 comes closer,
    view 2 stands back and off-centre."""
    width, height = SIZE
    scale, shift = [(0.85, 0), (1.2, -3), (0.75, 10)][view]
    unit = width / 100 * scale

    def x(value):
        return round(width / 2 + (value - 50 + shift) * unit)

    def y(value):
        return round(height / 2 + (value - 40) * unit)

    return x, y


def draw(drawing, variant, view):
    """An RGB picture of the object `drawing` (object_of()) in the variant's colour, from view
    0-2."""
    colour = material_colour(variant)
    # A soft vertical gradient, cooler for the close-up, tinted with the object's colour.
    top = _mix((246, 244, 240), colour, 0.06 + 0.04 * view)
    bottom = _mix((214, 210, 204) if view != 1 else (226, 232, 236), colour, 0.12)
    gradient, shadow = _masks(view)
    picture = Image.composite(Image.new("RGB", SIZE, bottom), Image.new("RGB", SIZE, top), gradient)
    picture.paste((40, 36, 30), mask=shadow)
    x, y = _placement(view)
    OBJECTS.get(drawing, _box)(ImageDraw.Draw(picture, "RGBA"), colour, x, y)
    return picture


def demo_picture(storage, drawing, variant, view):
    """(name, width, height, renditions) of a demo picture, drawn and stored if missing.

    The picture depends on the object (`drawing`, object_of()), the variant (its colour) and
    the view: the products sharing them share the files.
    """
    name = f"demo/{drawing}/{slugify(variant)}-{view + 1}.jpg"
    stem = posixpath.splitext(name)[0]
    renditions = {str(w): f"{stem}-{w}w.webp" for w in DEMO_WIDTHS}
    if all(storage.exists(path) for path in [name, *renditions.values()]):
        return name, *SIZE, renditions
    for path in [name, *renditions.values()]:
        storage.delete(path)  # a half-written set from an interrupted run
    picture = draw(drawing, variant, view)
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", quality=84)
    name = storage.save(name, ContentFile(buffer.getvalue()))
    width, height, renditions = images.make_renditions(
        storage,
        name,
        picture=picture,
        widths=DEMO_WIDTHS,
        method=WEBP_METHOD,
        resample=Image.Resampling.BILINEAR,
    )
    return name, width, height, renditions
