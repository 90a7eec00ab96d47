using System.Globalization;

namespace Orleans.Replication;

/// <summary>The newest position a client session has written or read: the group's epoch and log index.</summary>
/// <remarks>
/// Log indexes grow across epochs, so tokens are ordered by index first and epoch second. A node may serve a
/// session read only once it has applied the token's index. The text form <c>"epoch:index"</c> lets a web
/// application carry the token between requests.
/// </remarks>
[GenerateSerializer, Immutable, Alias("orepl.SessionToken")]
public readonly record struct SessionToken(
    [property: Id(0)] long Epoch,
    [property: Id(1)] long Index) : IComparable<SessionToken>
{
    /// <summary>The token of a session that has seen nothing.</summary>
    public static SessionToken None => default;

    /// <inheritdoc/>
    public int CompareTo(SessionToken other)
    {
        var byIndex = Index.CompareTo(other.Index);
        return byIndex != 0 ? byIndex : Epoch.CompareTo(other.Epoch);
    }

    /// <summary>The later of two tokens.</summary>
    public static SessionToken Max(SessionToken a, SessionToken b) => a.CompareTo(b) >= 0 ? a : b;

    /// <inheritdoc/>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Epoch}:{Index}");

    /// <summary>Parses the <c>"epoch:index"</c> form written by <see cref="ToString"/>.</summary>
    public static SessionToken Parse(string text)
    {
        if (TryParse(text, out var token))
        {
            return token;
        }

        throw new FormatException(
            $"'{text}' is not a session token; expected 'epoch:index' with two non-negative integers."
        );
    }

    /// <summary>Parses the <c>"epoch:index"</c> form; false when the text is not one.</summary>
    public static bool TryParse(string? text, out SessionToken token)
    {
        token = default;
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }

        var colon = text.IndexOf(':');
        if (colon <= 0
            || !long.TryParse(text.AsSpan(0, colon), NumberStyles.None, CultureInfo.InvariantCulture, out var epoch)
            || !long.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var index))
        {
            return false;
        }

        token = new SessionToken(epoch, index);
        return true;
    }
}
