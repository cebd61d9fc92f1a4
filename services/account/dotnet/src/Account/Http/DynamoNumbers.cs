using System.Globalization;

namespace PurposePath.Account.Http;

/// <summary>
/// Whether a JSON number fits a DynamoDB Number exactly: at most 38 significant digits and,
/// unless zero, a magnitude from 1E-130 to 9.9999999999999999999999999999999999999E+125
/// ("Supported data types and naming rules in Amazon DynamoDB", Number). Decided on the
/// number's text, so no floating-point rounding can let one through.
/// </summary>
public static class DynamoNumbers
{
    public const int MaxSignificantDigits = 38;
    public const int MinExponent = -130;
    public const int MaxExponent = 125;

    /// <param name="json">A JSON number as written (RFC 8259 grammar: -?int(.frac)?([eE][+-]?digits)?).</param>
    public static bool IsStorable(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        var text = json.StartsWith('-') ? json[1..] : json;
        var e = text.IndexOfAny(['e', 'E']);
        var mantissa = e < 0 ? text : text[..e];
        var dot = mantissa.IndexOf('.', StringComparison.Ordinal);
        var whole = dot < 0 ? mantissa : mantissa[..dot];
        var fraction = dot < 0 ? string.Empty : mantissa[(dot + 1)..];
        var digits = (whole + fraction).TrimStart('0');
        if (digits.Length == 0)
        {
            return true; // zero, however it is written
        }

        var significant = digits.TrimEnd('0');
        if (significant.Length > MaxSignificantDigits)
        {
            return false;
        }

        long exponent = 0;
        if (e >= 0)
        {
            var written = text[(e + 1)..].TrimStart('+');
            var negative = written.StartsWith('-');
            var magnitude = (negative ? written[1..] : written).TrimStart('0');
            // Beyond 18 digits the exponent alone is far outside the range.
            if (magnitude.Length > 18)
            {
                return false;
            }

            exponent = magnitude.Length == 0 ? 0 : long.Parse(magnitude, NumberStyles.None, CultureInfo.InvariantCulture);
            exponent = negative ? -exponent : exponent;
        }

        // The power of ten of the leading significant digit.
        var leading = exponent + whole.TrimStart('0').Length - 1;
        if (whole.TrimStart('0').Length == 0)
        {
            leading = exponent - (fraction.Length - fraction.TrimStart('0').Length) - 1;
        }

        return leading is >= MinExponent and <= MaxExponent;
    }
}
