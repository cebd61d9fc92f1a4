using System.Text;
using PurposePath.Account.Redis;
using PurposePath.Account.Sessions;

namespace PurposePath.Account.Tests;

/// <summary>The RESP client and the Redis revocation store over scripted streams (no network).</summary>
public sealed class RedisTests
{
    private static readonly RedisEndpoint Endpoint = new("redis.test", 6379, Tls: false);
    private static readonly RedisCredentials Account = new("purposepath-dev-account", "p4ss-w0rd-value");

    [Fact]
    public void CommandsAreArraysOfBulkStrings()
    {
        var bytes = RespConnection.Encode([["MGET", "rev:jti:j", "rev:user:ü"], ["SET", "k", "1", "EX", "60"]]);
        Assert.Equal(
            "*3\r\n$4\r\nMGET\r\n$9\r\nrev:jti:j\r\n$11\r\nrev:user:ü\r\n*5\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\n1\r\n$2\r\nEX\r\n$2\r\n60\r\n",
            Encoding.UTF8.GetString(bytes));
    }

    [Fact]
    public async Task TheStoreAuthenticatesAsItsAclUserThenReadsWithOneMget()
    {
        var stream = new ScriptedStream("+OK\r\n*4\r\n$-1\r\n$-1\r\n$1\r\n1\r\n$-1\r\n");
        await using var store = Store(stream);

        var revoked = await store.AnyRevokedAsync(["rev:jti:j", "rev:sid:s", "rev:user:u", "rev:tenant:t"], CancellationToken.None);

        Assert.True(revoked);
        Assert.Equal(
            Encoding.UTF8.GetString(RespConnection.Encode(
            [
                ["AUTH", Account.Username, Account.Password],
                ["MGET", "rev:jti:j", "rev:sid:s", "rev:user:u", "rev:tenant:t"],
            ])),
            stream.Written);
    }

    [Fact]
    public async Task NoMarkerMeansNotRevoked()
    {
        await using var store = Store(new ScriptedStream("+OK\r\n*2\r\n$-1\r\n$-1\r\n"));
        Assert.False(await store.AnyRevokedAsync(["rev:jti:j", "rev:user:u"], CancellationToken.None));
    }

    [Fact]
    public async Task RevocationsArePipelinedSetsWithExpiry()
    {
        var stream = new ScriptedStream("+OK\r\n+OK\r\n+OK\r\n");
        await using var store = Store(stream);

        await store.RevokeAsync([new Revocation("rev:sid:s", 3660), new Revocation("rev:jti:j", 0)], CancellationToken.None);

        Assert.EndsWith(
            Encoding.UTF8.GetString(RespConnection.Encode([["SET", "rev:sid:s", "1", "EX", "3660"], ["SET", "rev:jti:j", "1", "EX", "1"]])),
            stream.Written,
            StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("-WRONGPASS invalid username-password pair or user is disabled.\r\n")] // AUTH refused
    [InlineData("+OK\r\n-NOPERM this user has no permissions to run the 'mget' command\r\n")]
    [InlineData("+OK\r\n*2\r\n$-1\r\n")] // the connection closes mid-reply
    [InlineData("+OK\r\n:5\r\n")] // not an array
    [InlineData("+OK\r\n*1\r\n$-1\r\n")] // one value for two keys
    [InlineData("+OK\r\n$99999999\r\n")] // an absurd bulk length
    public async Task EveryFailureIsUnavailableAndNeverNamesTheCredentials(string replies)
    {
        await using var store = Store(new ScriptedStream(replies));
        var error = await Assert.ThrowsAsync<SessionStoreUnavailableException>(
            () => store.AnyRevokedAsync(["rev:jti:j", "rev:user:u"], CancellationToken.None));
        Assert.DoesNotContain(Account.Password, error.ToString(), StringComparison.Ordinal);
        Assert.Contains("redis.test:6379", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AStaleConnectionIsReplacedOnceBeforeGivingUp()
    {
        var streams = new Queue<ScriptedStream>(
        [
            new ScriptedStream("+OK\r\n*1\r\n$-1\r\n"), // serves one read, then the server closes it
            new ScriptedStream("+OK\r\n*1\r\n$1\r\n1\r\n"),
        ]);
        await using var store = new RedisRevocationStore(
            Endpoint, _ => Task.FromResult(Account), _ => Task.FromResult(new RespConnection(null, streams.Dequeue())));

        Assert.False(await store.AnyRevokedAsync(["rev:jti:j"], CancellationToken.None));
        Assert.True(await store.AnyRevokedAsync(["rev:jti:j"], CancellationToken.None));
        Assert.Empty(streams);
    }

    [Fact]
    public void TheRedisUserSecretIsUsernameAndPassword()
    {
        const string Arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:purposepath/dev/redis/account";
        Assert.Equal(Account, RedisUserSecret.Parse(Arn, """{"username":"purposepath-dev-account","password":"p4ss-w0rd-value"}"""));
        foreach (var bad in new string?[] { null, "p4ss-w0rd-value", """{"token":"p4ss-w0rd-value"}""", """{"username":"u"}""", """{"username":"u","password":""}""" })
        {
            var error = Assert.Throws<Auth.SecretException>(() => RedisUserSecret.Parse(Arn, bad));
            Assert.Contains(Arn, error.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("p4ss", error.Message, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("p4ss", Account.ToString(), StringComparison.Ordinal);
    }

    private static RedisRevocationStore Store(ScriptedStream stream)
    {
        var opened = false;
        return new RedisRevocationStore(Endpoint, _ => Task.FromResult(Account), _ =>
        {
            Assert.False(opened, "the store opened a second connection where one was enough");
            opened = true;
            return Task.FromResult(new RespConnection(null, stream));
        });
    }

    /// <summary>A duplex stream: reads come from a script of server replies, writes are recorded. End of script = connection closed.</summary>
    private sealed class ScriptedStream(string replies) : Stream
    {
        private readonly MemoryStream _replies = new(Encoding.UTF8.GetBytes(replies));
        private readonly MemoryStream _written = new();

        public string Written => Encoding.UTF8.GetString(_written.ToArray());

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => _replies.Read(buffer, offset, count);

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => _written.Write(buffer, offset, count);
    }
}
