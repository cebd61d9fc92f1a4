using System.Security.Cryptography;

namespace PurposePath.Account.Auth;

/// <summary>
/// ES256 signature formats. KMS answers <c>Sign</c> with a DER-encoded ECDSA-Sig-Value
/// (SEQUENCE of INTEGER r, INTEGER s; "Sign", AWS KMS API Reference, Response Elements:
/// "for ECDSA ... the signature is DER-encoded as specified by ANSI X9.62-2005"); a JWS
/// carries r||s, each left-padded to 32 bytes (RFC 7518 §3.4). The conversion is strict:
/// anything but a minimal DER encoding of two positive integers of at most 32 bytes is an
/// error, never a padded guess.
/// </summary>
public static class Es256Signatures
{
    /// <summary>Bytes of one P-256 coordinate, and of r and s in the JWS form.</summary>
    public const int FieldBytes = 32;

    public const int RawLength = 2 * FieldBytes;

    /// <summary>The JWS r||s of a DER ECDSA signature; <see cref="FormatException"/> when it is not one.</summary>
    public static byte[] DerToRaw(ReadOnlySpan<byte> der)
    {
        // SEQUENCE, short-form length (two P-256 INTEGERs take at most 2 * (2 + 33) = 70 bytes).
        if (der.Length < 8 || der[0] != 0x30 || der[1] >= 0x80 || der[1] != der.Length - 2)
        {
            throw new FormatException("the KMS signature is not a DER SEQUENCE of the expected length");
        }

        var rest = der[2..];
        var raw = new byte[RawLength];
        ReadInteger(ref rest, raw.AsSpan(0, FieldBytes));
        ReadInteger(ref rest, raw.AsSpan(FieldBytes, FieldBytes));
        if (!rest.IsEmpty)
        {
            throw new FormatException("the KMS signature has bytes after its two integers");
        }

        return raw;
    }

    /// <summary>True when <paramref name="signature"/> is a 64-byte r||s by <paramref name="key"/> over <paramref name="data"/>.</summary>
    public static bool Verify(ECDsa key, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (signature.Length != RawLength)
        {
            return false; // JWS ES256 signatures are exactly 64 bytes (RFC 7518 §3.4)
        }

        try
        {
            return key.VerifyData(data, signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        }
        catch (CryptographicException)
        {
            return false; // r or s zero or past the curve order: no signature, whatever the platform's library says
        }
    }

    private static void ReadInteger(ref ReadOnlySpan<byte> rest, Span<byte> destination)
    {
        if (rest.Length < 3 || rest[0] != 0x02)
        {
            throw new FormatException("the KMS signature lacks a DER INTEGER where r or s should be");
        }

        int length = rest[1];
        if (length < 1 || length > FieldBytes + 1 || rest.Length < 2 + length)
        {
            throw new FormatException("a DER INTEGER of the KMS signature has a length outside 1..33 bytes");
        }

        var value = rest.Slice(2, length);
        rest = rest[(2 + length)..];
        if ((value[0] & 0x80) != 0)
        {
            throw new FormatException("a DER INTEGER of the KMS signature is negative");
        }

        if (value[0] == 0x00)
        {
            // A leading zero is allowed only to keep a high bit from reading as a sign.
            if (value.Length == 1 || (value[1] & 0x80) == 0)
            {
                throw new FormatException("a DER INTEGER of the KMS signature is zero or not minimally encoded");
            }

            value = value[1..];
        }

        if (value.Length > FieldBytes)
        {
            throw new FormatException("a DER INTEGER of the KMS signature is longer than 32 bytes");
        }

        destination.Clear();
        value.CopyTo(destination[(FieldBytes - value.Length)..]);
    }
}
