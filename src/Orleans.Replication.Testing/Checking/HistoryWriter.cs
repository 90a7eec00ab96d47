using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Orleans.Replication.Testing.Checking;

/// <summary>Writes a history as the JSON lines <see cref="HistoryReader"/> reads.</summary>
/// <remarks>
/// Safe to call from many threads at once: each line is written whole. A workload records an operation by calling
/// <see cref="WriteInvoke"/> just before invoking it and <see cref="WriteCompletion"/> once it has completed, with
/// times from one clock shared by all its processes. A process must not invoke again before its previous operation
/// completes; after an unknown outcome, continue under a new process number, as Jepsen does.
/// </remarks>
public sealed class HistoryWriter : IDisposable
{
    private static readonly JsonWriterOptions JsonOptions = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private readonly TextWriter _writer;
    private readonly bool _leaveOpen;
    private readonly Lock _gate = new();
    private readonly ArrayBufferWriter<byte> _buffer = new();
    private readonly Utf8JsonWriter _json;

    /// <summary>
    /// Writes to <paramref name="writer"/>, disposing it with this writer unless <paramref name="leaveOpen"/>.
    /// </summary>
    public HistoryWriter(TextWriter writer, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(writer);
        _writer = writer;
        _leaveOpen = leaveOpen;
        _json = new Utf8JsonWriter(_buffer, JsonOptions);
    }

    /// <summary>Creates (or overwrites) the history file at <paramref name="path"/>.</summary>
    public static HistoryWriter CreateFile(string path) =>
        new(new StreamWriter(path, append: false, new UTF8Encoding(false)));

    /// <summary>
    /// Writes the invoke line of <paramref name="operation"/>, at its <see cref="HistoryOperation.InvokeTime"/>.
    /// </summary>
    public void WriteInvoke(HistoryOperation operation)
    {
        ArgumentNullException.ThrowIfNull(operation);
        WriteLine(operation, "invoke", operation.InvokeTime);
    }

    /// <summary>Writes the completion line of <paramref name="operation"/>: ok, fail or info by its outcome.</summary>
    /// <exception cref="ArgumentException">The operation has no
    /// <see cref="HistoryOperation.CompleteTime"/>.</exception>
    public void WriteCompletion(HistoryOperation operation)
    {
        ArgumentNullException.ThrowIfNull(operation);
        if (operation.CompleteTime is not { } time)
        {
            throw new ArgumentException($"Operation {operation} has no completion time to record.", nameof(operation));
        }

        var type = operation.Outcome switch
        {
            OperationOutcome.Ok => "ok",
            OperationOutcome.Fail => "fail",
            _ => "info",
        };
        WriteLine(operation, type, time);
    }

    /// <summary>Writes whole operations: every invoke and completion line, in time order.</summary>
    /// <remarks>Operations that never completed get only their invoke line.</remarks>
    public void WriteHistory(IEnumerable<HistoryOperation> operations)
    {
        ArgumentNullException.ThrowIfNull(operations);

        // Listing each process's operations in order and sorting stably keeps a process's completion ahead of its next
        // invoke when both happen at the same instant.
        var events = operations
            .OrderBy(o => o.Process)
            .ThenBy(o => o.InvokeTime)
            .SelectMany(o =>
                o.CompleteTime is { } completed
                    ? new[]
                    {
                        new HistoryEvent(o, o.InvokeTime, IsInvoke: true),
                        new HistoryEvent(o, completed, IsInvoke: false),
                    }
                    : [new HistoryEvent(o, o.InvokeTime, IsInvoke: true)]
            )
            .OrderBy(e => e.Time);
        foreach (var historyEvent in events)
        {
            if (historyEvent.IsInvoke)
            {
                WriteInvoke(historyEvent.Operation);
            }
            else
            {
                WriteCompletion(historyEvent.Operation);
            }
        }
    }

    /// <summary>Flushes the underlying writer.</summary>
    public void Flush()
    {
        lock (_gate)
        {
            _writer.Flush();
        }
    }

    /// <summary>Flushes, and disposes the underlying writer unless it was left open.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            _json.Dispose();
            _writer.Flush();
            if (!_leaveOpen)
            {
                _writer.Dispose();
            }
        }
    }

    private void WriteLine(HistoryOperation operation, string type, long time)
    {
        lock (_gate)
        {
            _buffer.ResetWrittenCount();
            _json.Reset();
            _json.WriteStartObject();
            _json.WriteNumber("process", operation.Process);
            _json.WriteString("type", type);
            _json.WriteString("f", operation.Kind.ToString().ToLowerInvariant());
            _json.WriteString("key", operation.Key);
            _json.WritePropertyName("value");
            WriteValue(operation, type);
            _json.WriteNumber("time", time);
            _json.WriteEndObject();
            _json.Flush();
            _writer.WriteLine(Encoding.UTF8.GetString(_buffer.WrittenSpan));
        }
    }

    private void WriteValue(HistoryOperation operation, string type)
    {
        if (operation.Kind == OperationKind.Cas)
        {
            _json.WriteStartArray();
            _json.WriteStringValue(operation.ExpectedValue);
            _json.WriteStringValue(operation.Value);
            _json.WriteEndArray();
        }
        else if (operation.Kind == OperationKind.Read && type != "ok")
        {
            _json.WriteNullValue();
        }
        else
        {
            _json.WriteStringValue(operation.Value);
        }
    }

    private readonly record struct HistoryEvent(HistoryOperation Operation, long Time, bool IsInvoke);
}
