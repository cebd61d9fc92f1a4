namespace PurposePath.Account.Storage;

/// <summary>Users, tenants and the email claims that keep emails unique.</summary>
public interface IUserStore
{
    /// <summary>
    /// Writes the email claim, the user, its tenant and its verification token (by hash)
    /// atomically; false (nothing written) when the email is taken.
    /// </summary>
    Task<bool> TryRegisterAsync(User user, string tenantName, long now, EmailTokenItem verification, CancellationToken cancellationToken);

    /// <summary>
    /// Someone registered a taken address again: records when (<c>registrationAttemptedAt</c>)
    /// and stores <paramref name="verification"/> when given, in one transaction. The
    /// password, name and tenant never change.
    /// </summary>
    Task RecordRegistrationAttemptAsync(string userId, long now, EmailTokenItem? verification, CancellationToken cancellationToken);

    /// <summary>
    /// The user owning <paramref name="email"/> (canonical), read strongly consistent. Two
    /// reads whether or not the address is known (an unknown one reads a key that cannot
    /// exist), so the time and the calls tell nobody which addresses have accounts.
    /// </summary>
    Task<User?> FindByEmailAsync(string email, CancellationToken cancellationToken);

    Task<User?> FindByIdAsync(string userId, CancellationToken cancellationToken);

    Task UpdatePasswordHashAsync(string userId, string passwordHash, CancellationToken cancellationToken);

    Task MarkEmailVerifiedAsync(string userId, CancellationToken cancellationToken);

    /// <summary>Stores an emailed token by its SHA-256 hex only (the token itself is never stored).</summary>
    Task PutEmailTokenAsync(EmailTokenItem token, CancellationToken cancellationToken);

    /// <summary>The owner of a live token, or null (unknown, used or expired); the token stays usable.</summary>
    Task<string?> PeekEmailTokenAsync(EmailTokenKind kind, string tokenHash, long now, CancellationToken cancellationToken);

    /// <summary>Spends a live token (a conditional delete: of two racing uses one wins) and answers its owner, or null.</summary>
    Task<string?> ConsumeEmailTokenAsync(EmailTokenKind kind, string tokenHash, long now, CancellationToken cancellationToken);

    Task<Tenant?> FindTenantAsync(string tenantId, CancellationToken cancellationToken);

    /// <summary>Removes the user and its email claim; the tenant too when the user was its only owner.</summary>
    /// <returns>True when the tenant is gone (deleted now, or already missing).</returns>
    Task<bool> DeleteAsync(User user, CancellationToken cancellationToken);
}
