namespace PgAutogen;

/// <summary>The clauses of a row-level-security policy (pg_policy), as PostgreSQL prints them.</summary>
public sealed class PolicyClauses
{
    public PolicyClauses(string command, bool permissive, IReadOnlyList<string> roles, string? @using, string? withCheck)
    {
        Command = command;
        Permissive = permissive;
        Roles = StringList.From(roles);
        Using = @using;
        WithCheck = withCheck;
    }

    /// <summary>ALL, SELECT, INSERT, UPDATE or DELETE.</summary>
    public string Command { get; }

    /// <summary>True for AS PERMISSIVE (the default), false for AS RESTRICTIVE.</summary>
    public bool Permissive { get; }

    /// <summary>The roles it applies to, quoted, sorted; <c>public</c> for PUBLIC.</summary>
    public IReadOnlyList<string> Roles { get; }

    /// <summary>The USING expression (pg_get_expr), or null.</summary>
    public string? Using { get; }

    /// <summary>The WITH CHECK expression (pg_get_expr), or null.</summary>
    public string? WithCheck { get; }

    /// <summary>
    /// True when ALTER POLICY can turn a policy with these clauses into one with <paramref name="other"/>'s: it can
    /// change the roles and set USING and WITH CHECK, but not the command, not PERMISSIVE/RESTRICTIVE, and it cannot
    /// remove a clause.
    /// </summary>
    public bool CanAlterTo(PolicyClauses other) =>
        string.Equals(Command, other.Command, StringComparison.Ordinal) && Permissive == other.Permissive
        && (Using is null || other.Using is not null) && (WithCheck is null || other.WithCheck is not null);

    public override string ToString() =>
        $"AS {(Permissive ? "PERMISSIVE" : "RESTRICTIVE")} FOR {Command} TO {string.Join(", ", Roles)}";
}
