"""The numbers traction stores (KPI targets, readings): exactly what DynamoDB can hold.

A JSON number arrives as ``int``, ``float`` or ``Decimal`` (``ppcommon.http`` may parse
either way); it leaves as a ``Decimal`` DynamoDB keeps without rounding, or ``ValueError``
saying why it cannot be kept, for the route to answer 400 naming the field.
"""

from __future__ import annotations

from decimal import Decimal

# DynamoDB Number: "Numbers can have up to 38 digits of precision ... Positive range:
# 1E-130 to 9.9999999999999999999999999999999999999E+125; Negative range:
# -9.9999999999999999999999999999999999999E+125 to -1E-130", leading and trailing zeros
# trimmed ("Supported data types and naming rules in Amazon DynamoDB", Number).
MAX_DIGITS = 38
MIN_ADJUSTED_EXPONENT = -130  # 1E-130
MAX_ADJUSTED_EXPONENT = 125  # 9.99...E+125
# boto3 serialises through a decimal context with Emin=-128 and 38 digits
# (boto3.dynamodb.types.DYNAMODB_CONTEXT) that refuses to round: a value below 1E-128 must
# have its last digit at 10**-165 or above (Etiny = Emin - precision + 1), or boto3 raises
# instead of sending it.
MIN_EXPONENT_BOTO3 = -128 - MAX_DIGITS + 1

RANGE = (
    "0 or a magnitude from 1E-130 to 9.9999999999999999999999999999999999999E+125 "
    f"with at most {MAX_DIGITS} significant digits"
)


def as_decimal(value: object) -> Decimal:
    """The JSON number ``value`` as a Decimal, nothing lost (TypeError: not a number)."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise TypeError("not a number")  # booleans are ints in Python, never numbers here
    if isinstance(value, float):
        # Through str: Decimal(0.1) would keep the binary float's 55 digits.
        return Decimal(repr(value))
    return Decimal(value)


def storable(value: Decimal) -> Decimal:
    """``value`` as DynamoDB stores it (zeros trimmed), or ValueError if it cannot be."""
    if not value.is_finite():
        raise ValueError("must be a finite number")
    sign, digits, exponent = value.as_tuple()
    if not isinstance(exponent, int):  # "n", "N" or "F" only for NaN and Infinity
        raise ValueError("must be a finite number")
    significant = list(digits)
    while len(significant) > 1 and significant[-1] == 0:
        significant.pop()
        exponent += 1
    while len(significant) > 1 and significant[0] == 0:
        significant.pop(0)
    if significant == [0]:
        return Decimal(0)  # also -0 and 0E-500: zero is zero
    adjusted = exponent + len(significant) - 1
    if (
        len(significant) > MAX_DIGITS
        or not MIN_ADJUSTED_EXPONENT <= adjusted <= MAX_ADJUSTED_EXPONENT
        or exponent < MIN_EXPONENT_BOTO3
    ):
        raise ValueError(f"must be {RANGE}")
    return Decimal((sign, tuple(significant), exponent))
