"""The words a typo-forgiving search read a query as, to tell the shopper ("Showing results for
headphones")."""

import re

from django.db import connections, router

from .models import MAX_CORRECTED_WORDS, Product

# For each typed word, the word of a product name most like it: the first of the corrections
# Product.objects.similar_names() tries (catalog.models.CORRECTED_QUERY_SQL), over the same
# trigram-indexed word list.
CLOSEST_WORDS_SQL = """
SELECT closest.word
FROM unnest(%s::text[]) WITH ORDINALITY AS typed (word, position)
LEFT JOIN LATERAL (
    SELECT word FROM product_name_words
    WHERE word %% typed.word
    ORDER BY word <-> typed.word, word
    LIMIT 1
) AS closest ON true
ORDER BY typed.position
"""


def corrected_query(query: str) -> str | None:
    """`query`'s words, each replaced by the product-name word most like it (one query on the
    short word list; PostgreSQL only). None when a word has no such word, or nothing changed."""
    words = list(dict.fromkeys(re.findall(r"[^\W_]+", query.lower())))[:MAX_CORRECTED_WORDS]
    # The database the products were read from (a replica, when there is one).
    connection = connections[router.db_for_read(Product)]
    if not words or connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(CLOSEST_WORDS_SQL, [words])
        corrected = [word for (word,) in cursor.fetchall()]
    if None in corrected or corrected == words:
        return None
    return " ".join(corrected)
