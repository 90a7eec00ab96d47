using System.Numerics;

namespace Orleans.Replication.Testing.Checking;

/// <summary>
/// The set of operations placed in the order so far, as a bitset with a hash kept up to date as it changes.
/// </summary>
/// <remarks>
/// The hash is the XOR of a fixed random word per member (Zobrist hashing), so adding or removing a member costs
/// O(1) and equal sets always hash equally. The random words come from a fixed seed to keep runs repeatable.
/// </remarks>
internal sealed class LinearizedSet
{
    private readonly ulong[] _bits;
    private readonly ulong[] _memberHashes;

    /// <summary>An empty set over operations 0 .. <paramref name="capacity"/> - 1.</summary>
    public LinearizedSet(int capacity)
    {
        _bits = new ulong[(capacity + 63) / 64];
        _memberHashes = new ulong[capacity];
        var random = new Random(capacity);
        for (var i = 0; i < capacity; i++)
        {
            _memberHashes[i] = (ulong)random.NextInt64() ^ ((ulong)random.Next() << 63);
        }
    }

    /// <summary>The hash of the current members.</summary>
    public ulong Hash { get; private set; }

    /// <summary>The bitset itself; live, so copy it with <see cref="Snapshot"/> before keeping it.</summary>
    public ReadOnlySpan<ulong> Bits => _bits;

    /// <summary>Adds an operation that is not a member.</summary>
    public void Add(int operation)
    {
        _bits[operation >> 6] |= 1UL << (operation & 63);
        Hash ^= _memberHashes[operation];
    }

    /// <summary>Removes an operation that is a member.</summary>
    public void Remove(int operation)
    {
        _bits[operation >> 6] &= ~(1UL << (operation & 63));
        Hash ^= _memberHashes[operation];
    }

    /// <summary>True when <paramref name="operation"/> is a member.</summary>
    public bool Contains(int operation) => (_bits[operation >> 6] & (1UL << (operation & 63))) != 0;

    /// <summary>A copy of the bitset.</summary>
    public ulong[] Snapshot() => (ulong[])_bits.Clone();

    /// <summary>Mixes a register value into the set's hash, for a cache keyed on both.</summary>
    public static ulong Combine(ulong setHash, int state) =>
        setHash ^ BitOperations.RotateLeft((ulong)(state + 1) * 0x9E3779B97F4A7C15UL, 29);
}
