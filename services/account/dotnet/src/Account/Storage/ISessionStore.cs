namespace PurposePath.Account.Storage;

/// <summary>Login sessions and their rotating refresh tokens.</summary>
public interface ISessionStore
{
    /// <summary>Creates an active session and its first token.</summary>
    Task StartAsync(string sessionId, User user, string tokenHash, long now, CancellationToken cancellationToken);

    Task<TokenRecord?> FindTokenAsync(string tokenHash, CancellationToken cancellationToken);

    /// <summary>True when the session exists, is active and has not expired (read strongly consistent).</summary>
    Task<bool> IsActiveAsync(string sessionId, long now, CancellationToken cancellationToken);

    /// <summary>Marks <paramref name="current"/> used and stores its successor, if the session is live.</summary>
    Task<Rotation> RotateAsync(TokenRecord current, string successorHash, long now, CancellationToken cancellationToken);

    /// <summary>Revokes the session and every token issued in it.</summary>
    Task EndAsync(string sessionId, long now, CancellationToken cancellationToken);

    /// <summary>The ids of every session of the user, live or not (through the user-index GSI).</summary>
    Task<IReadOnlyList<string>> SessionIdsOfUserAsync(string userId, CancellationToken cancellationToken);

    /// <summary>Deletes every session of the user and every token of those sessions.</summary>
    Task PurgeUserAsync(string userId, CancellationToken cancellationToken);
}
