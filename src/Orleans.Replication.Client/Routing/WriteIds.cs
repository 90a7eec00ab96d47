using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Orleans.Replication.Client;

/// <summary>Ids for writes: unique without a system call per write.</summary>
/// <remarks>
/// <see cref="Guid.NewGuid"/> asks the operating system for random bytes on every call, which on Linux is a system
/// call: on the write path that cost more than the rest of the client's work for a write. An id here is 8 random
/// bytes drawn once per process followed by a 64-bit counter, so ids never repeat within a process and two
/// processes share a prefix with a chance of 2^-64.
/// </remarks>
internal static class WriteIds
{
    private static readonly ulong Prefix = BinaryPrimitives.ReadUInt64LittleEndian(
        RandomNumberGenerator.GetBytes(sizeof(ulong))
    );
    private static long _counter;

    /// <summary>A new id, never returned before by this process.</summary>
    public static Guid Next()
    {
        Span<byte> bytes = stackalloc byte[16];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, Prefix);
        BinaryPrimitives.WriteInt64LittleEndian(bytes[8..], Interlocked.Increment(ref _counter));
        return new Guid(bytes);
    }
}
