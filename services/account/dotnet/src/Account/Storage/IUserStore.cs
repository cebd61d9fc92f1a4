namespace PurposePath.Account.Storage;

/// <summary>Users, tenants and the email claims that keep emails unique.</summary>
public interface IUserStore
{
    /// <summary>Writes the email claim, the user and its tenant atomically; false when the email is taken.</summary>
    Task<bool> TryRegisterAsync(User user, string tenantName, long now, CancellationToken cancellationToken);

    /// <summary>The user owning <paramref name="email"/> (already normalised), read strongly consistent.</summary>
    Task<User?> FindByEmailAsync(string email, CancellationToken cancellationToken);

    Task<User?> FindByIdAsync(string userId, CancellationToken cancellationToken);

    Task UpdatePasswordHashAsync(string userId, string passwordHash, CancellationToken cancellationToken);

    Task<Tenant?> FindTenantAsync(string tenantId, CancellationToken cancellationToken);

    /// <summary>Removes the user and its email claim; the tenant too when the user was its only owner.</summary>
    /// <returns>True when the tenant is gone (deleted now, or already missing).</returns>
    Task<bool> DeleteAsync(User user, CancellationToken cancellationToken);
}
