namespace Orleans.Replication.Client;

/// <summary>
/// A write's deadline passed while it waited in the client to be sent: it never left, so nothing was written by it.
/// </summary>
internal sealed class WriteNotSentException(string message) : TimeoutException(message);
