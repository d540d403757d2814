namespace PgAutogen.Core.Diff;

/// <summary>What canonicalization decided about one object, for the planner.</summary>
/// <param name="Declaration">The declaration behind the desired object; null for an object only in the database.</param>
/// <param name="RecreateReason">
/// Why the object is dropped and created again instead of changed in place (PostgreSQL cannot replace it, in one
/// direction or the other, or it is rebuilt around one that is); null when it is changed in place.
/// </param>
/// <param name="CommentDeclared">Its comment is declared (COMMENT ON): only then is the comment compared.</param>
public sealed record ObjectDecision(PgDeclaration? Declaration, string? RecreateReason, bool CommentDeclared)
{
    /// <summary>Nothing decided: no declaration, changed in place, comment not declared.</summary>
    public static ObjectDecision None { get; } = new(null, null, false);

    /// <summary>
    /// Its privileges are declared (a GRANT or REVOKE names it): only then are they compared, and the migration grants and
    /// revokes what differs; otherwise they are kept as they are, also across a re-creation.
    /// </summary>
    public bool AclDeclared { get; init; }

    /// <summary>Its owner is declared (ALTER ... OWNER TO): only then is the owner compared; otherwise it is kept.</summary>
    public bool OwnerDeclared { get; init; }

    /// <summary>Dropped and created again (<see cref="RecreateReason"/> says why).</summary>
    public bool Recreated => RecreateReason is not null;
}

/// <summary>What canonicalization decided, by object key (<see cref="PgObject.Key"/>): the one value it hands the planner.</summary>
public sealed class ObjectDecisions
{
    private readonly Dictionary<string, ObjectDecision> _byKey;

    private ObjectDecisions(Dictionary<string, ObjectDecision> byKey) => _byKey = byKey;

    /// <summary>No decisions: every object as its definitions say.</summary>
    public static ObjectDecisions None { get; } = new(new Dictionary<string, ObjectDecision>(StringComparer.Ordinal));

    /// <summary>The server's default privileges, what a NULL ACL means when privileges are compared.</summary>
    public AclDefaults AclDefaults { get; init; } = AclDefaults.Assumed;

    /// <summary>What was decided about the object with this key (<see cref="ObjectDecision.None"/> when nothing was).</summary>
    public ObjectDecision For(string key) => _byKey.TryGetValue(key, out var decision) ? decision : ObjectDecision.None;

    /// <summary>The decisions from what canonicalization found: the declaration of each desired object, the objects it re-creates and why, the objects whose comment is declared.</summary>
    internal static ObjectDecisions From(
        IReadOnlyDictionary<string, PgDeclaration> declarations, IReadOnlyDictionary<string, string> recreated, IEnumerable<string> commented,
        IEnumerable<string>? privileged = null, IEnumerable<string>? owned = null, AclDefaults? aclDefaults = null)
    {
        var byKey = new Dictionary<string, ObjectDecision>(StringComparer.Ordinal);
        foreach (var (key, declaration) in declarations)
        {
            byKey[key] = new ObjectDecision(declaration, null, false);
        }

        foreach (var (key, why) in recreated)
        {
            byKey[key] = (byKey.GetValueOrDefault(key) ?? ObjectDecision.None) with { RecreateReason = why };
        }

        foreach (var key in commented)
        {
            byKey[key] = (byKey.GetValueOrDefault(key) ?? ObjectDecision.None) with { CommentDeclared = true };
        }

        foreach (var key in privileged ?? Enumerable.Empty<string>())
        {
            byKey[key] = (byKey.GetValueOrDefault(key) ?? ObjectDecision.None) with { AclDeclared = true };
        }

        foreach (var key in owned ?? Enumerable.Empty<string>())
        {
            byKey[key] = (byKey.GetValueOrDefault(key) ?? ObjectDecision.None) with { OwnerDeclared = true };
        }

        return new ObjectDecisions(byKey) { AclDefaults = aclDefaults ?? AclDefaults.Assumed };
    }
}
