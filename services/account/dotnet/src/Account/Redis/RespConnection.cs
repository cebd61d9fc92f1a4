using System.Globalization;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;

namespace PurposePath.Account.Redis;

/// <summary>Redis answered with an error reply, or broke the protocol. The message never holds a credential.</summary>
public sealed class RespException(string message) : Exception(message)
{
}

/// <summary>
/// One connection speaking RESP2 ("Redis serialization protocol specification", redis.io):
/// requests are arrays of bulk strings, replies are read one per request, so several
/// commands go out in one write (a pipeline) and come back in one round trip. The same
/// small client as ppcommon.cache, so both runtimes talk to Redis the same way and the
/// function ships no Redis library.
/// </summary>
public sealed class RespConnection : IAsyncDisposable
{
    // Revocation replies are "1", nil or "OK": anything this large is a broken stream.
    private const int MaxBulkBytes = 1 << 20;
    private const int MaxArrayLength = 1 << 16;

    private readonly TcpClient? _tcp;
    private readonly Stream _stream;
    private readonly byte[] _buffer = new byte[4096];
    private int _start;
    private int _end;

    /// <param name="tcp">The socket under <paramref name="stream"/>, closed with it; null for a stream of its own (tests).</param>
    internal RespConnection(TcpClient? tcp, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        _tcp = tcp;
        _stream = stream;
    }

    /// <summary>Connects (TLS when <paramref name="tls"/>, verifying the server's certificate for <paramref name="host"/>).</summary>
    public static async Task<RespConnection> OpenAsync(string host, int port, bool tls, CancellationToken cancellationToken)
    {
        var tcp = new TcpClient { NoDelay = true };
        try
        {
            await tcp.ConnectAsync(host, port, cancellationToken).ConfigureAwait(false);
            Stream stream = tcp.GetStream();
            if (tls)
            {
                var ssl = new SslStream(stream, leaveInnerStreamOpen: false);
                await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = host }, cancellationToken)
                    .ConfigureAwait(false);
                stream = ssl;
            }

            return new RespConnection(tcp, stream);
        }
        catch
        {
            tcp.Dispose();
            throw;
        }
    }

    /// <summary>Sends every command in one write and reads one reply per command, in order.</summary>
    /// <returns>Each reply: string (simple or bulk), long (integer), null (nil), or object?[] (array).</returns>
    public async Task<object?[]> ExecuteAsync(IReadOnlyList<string[]> commands, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(commands);
        var request = Encode(commands);
        await _stream.WriteAsync(request, cancellationToken).ConfigureAwait(false);
        await _stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        var replies = new object?[commands.Count];
        RespException? firstError = null;
        for (var i = 0; i < replies.Length; i++)
        {
            try
            {
                replies[i] = await ReadReplyAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (RespErrorReply error)
            {
                // Read the remaining replies so the stream stays in step, then report the first error.
                firstError ??= new RespException(error.Message);
            }
        }

        return firstError is null ? replies : throw firstError;
    }

    public async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync().ConfigureAwait(false);
        _tcp?.Dispose();
    }

    /// <summary>The RESP array-of-bulk-strings form of each command, concatenated.</summary>
    public static byte[] Encode(IReadOnlyList<string[]> commands)
    {
        ArgumentNullException.ThrowIfNull(commands);
        var output = new MemoryStream();
        foreach (var command in commands)
        {
            WriteAscii(output, string.Create(CultureInfo.InvariantCulture, $"*{command.Length}\r\n"));
            foreach (var part in command)
            {
                var bytes = Encoding.UTF8.GetBytes(part);
                WriteAscii(output, string.Create(CultureInfo.InvariantCulture, $"${bytes.Length}\r\n"));
                output.Write(bytes);
                WriteAscii(output, "\r\n");
            }
        }

        return output.ToArray();
    }

    private static void WriteAscii(MemoryStream output, string text) => output.Write(Encoding.ASCII.GetBytes(text));

    private async Task<object?> ReadReplyAsync(CancellationToken cancellationToken)
    {
        var line = await ReadLineAsync(cancellationToken).ConfigureAwait(false);
        if (line.Length == 0)
        {
            throw new RespException("empty reply line");
        }

        var payload = line[1..];
        switch (line[0])
        {
            case '+':
                return payload;
            case '-':
                // The error's first word (WRONGPASS, NOPERM, ...) is what an operator needs;
                // the rest is dropped in case a server ever echoes an argument.
                var space = payload.IndexOf(' ', StringComparison.Ordinal);
                throw new RespErrorReply($"Redis error {(space < 0 ? payload : payload[..space])}");
            case ':':
                return ParseLength(payload, long.MinValue, long.MaxValue);
            case '$':
                var length = ParseLength(payload, -1, MaxBulkBytes);
                if (length < 0)
                {
                    return null;
                }

                var data = await ReadExactAsync((int)length + 2, cancellationToken).ConfigureAwait(false);
                if (data[^2] != '\r' || data[^1] != '\n')
                {
                    throw new RespException("bulk string not terminated by CRLF");
                }

                return Encoding.UTF8.GetString(data, 0, data.Length - 2);
            case '*':
                var count = ParseLength(payload, -1, MaxArrayLength);
                if (count < 0)
                {
                    return null;
                }

                var items = new object?[count];
                for (var i = 0; i < count; i++)
                {
                    items[i] = await ReadReplyAsync(cancellationToken).ConfigureAwait(false);
                }

                return items;
            default:
                throw new RespException("unexpected reply type");
        }
    }

    private static long ParseLength(string text, long min, long max)
    {
        if (!long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)
            || value < min || value > max)
        {
            throw new RespException("reply length or integer out of range");
        }

        return value;
    }

    /// <summary>One line without its CRLF, as ASCII (RESP header lines are ASCII).</summary>
    private async Task<string> ReadLineAsync(CancellationToken cancellationToken)
    {
        var line = new List<byte>();
        while (true)
        {
            if (_start == _end)
            {
                await FillAsync(cancellationToken).ConfigureAwait(false);
            }

            var b = _buffer[_start++];
            if (b == '\n' && line.Count > 0 && line[^1] == '\r')
            {
                line.RemoveAt(line.Count - 1);
                return Encoding.ASCII.GetString(line.ToArray());
            }

            line.Add(b);
            if (line.Count > 1024)
            {
                throw new RespException("reply line longer than 1024 bytes");
            }
        }
    }

    private async Task<byte[]> ReadExactAsync(int count, CancellationToken cancellationToken)
    {
        var data = new byte[count];
        var filled = 0;
        while (filled < count)
        {
            if (_start == _end)
            {
                await FillAsync(cancellationToken).ConfigureAwait(false);
            }

            var take = Math.Min(count - filled, _end - _start);
            Array.Copy(_buffer, _start, data, filled, take);
            _start += take;
            filled += take;
        }

        return data;
    }

    private async Task FillAsync(CancellationToken cancellationToken)
    {
        var read = await _stream.ReadAsync(_buffer.AsMemory(), cancellationToken).ConfigureAwait(false);
        if (read == 0)
        {
            throw new RespException("connection closed mid-reply");
        }

        _start = 0;
        _end = read;
    }

    /// <summary>An error reply: the stream is still in step, unlike a <see cref="RespException"/> raised mid-parse.</summary>
    private sealed class RespErrorReply(string message) : Exception(message)
    {
    }
}
