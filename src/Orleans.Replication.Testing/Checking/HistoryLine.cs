using System.Globalization;
using System.Text.Json;

namespace Orleans.Replication.Testing.Checking;

/// <summary>One line of a JSON-lines history, parsed but not yet matched with its invocation or completion.</summary>
/// <param name="Process">The process.</param>
/// <param name="Type">"invoke", "ok", "fail" or "info".</param>
/// <param name="Kind">The operation, from "f".</param>
/// <param name="Key">The key.</param>
/// <param name="Value">The value written (invoke of write or cas) or read (ok of read); otherwise null.</param>
/// <param name="ExpectedValue">For the invoke of a compare-and-set, the expected value; otherwise null.</param>
/// <param name="Time">The time.</param>
internal sealed record HistoryLine(
    int Process,
    string Type,
    OperationKind Kind,
    string Key,
    string? Value,
    string? ExpectedValue,
    long Time
)
{
    /// <summary>Parses <paramref name="text"/>; throws <see cref="FormatException"/> naming
    /// <paramref name="lineNumber"/>.</summary>
    /// <remarks>Values are only read where they carry information; fields not listed in the format are
    /// ignored.</remarks>
    public static HistoryLine Parse(string text, int lineNumber)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(text);
        }
        catch (JsonException exception)
        {
            throw new FormatException(Message(lineNumber, $"malformed JSON: {exception.Message}"), exception);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw Error(lineNumber, "expected a JSON object.");
            }

            var type = String(root, "type", lineNumber);
            if (type is not ("invoke" or "ok" or "fail" or "info"))
            {
                throw Error(lineNumber, $"unknown type \"{type}\"; expected invoke, ok, fail or info.");
            }

            var kind = String(root, "f", lineNumber) switch
            {
                "write" => OperationKind.Write,
                "read" => OperationKind.Read,
                "cas" => OperationKind.Cas,
                var f => throw Error(lineNumber, $"unknown f \"{f}\"; expected write, read or cas."),
            };

            var process = Integer(root, "process", lineNumber);
            if (process is < int.MinValue or > int.MaxValue)
            {
                throw Error(lineNumber, $"process {process} is out of range.");
            }

            var key = String(root, "key", lineNumber);
            var time = Integer(root, "time", lineNumber);
            var hasValue = root.TryGetProperty("value", out var value);
            return (type, kind) switch
            {
                ("invoke", OperationKind.Write) when hasValue => new(
                    (int)process,
                    type,
                    kind,
                    key,
                    Scalar(value, lineNumber),
                    null,
                    time
                ),
                ("invoke", OperationKind.Cas)
                    when hasValue && value.ValueKind == JsonValueKind.Array && value.GetArrayLength() == 2 => new(
                    (int)process,
                    type,
                    kind,
                    key,
                    Scalar(value[1], lineNumber),
                    Scalar(value[0], lineNumber),
                    time
                ),
                ("invoke", OperationKind.Cas) => throw Error(
                    lineNumber,
                    "the value of a cas invoke must be a 2-element array [expected, new]."
                ),
                ("invoke", OperationKind.Write) => throw Error(lineNumber, "a write invoke needs a value."),
                ("ok", OperationKind.Read) => new(
                    (int)process, type, kind, key, hasValue ? Scalar(value, lineNumber) : null, null, time),
                _ => new((int)process, type, kind, key, null, null, time),
            };
        }
    }

    private static string? Scalar(JsonElement value, int lineNumber) => value.ValueKind switch
    {
        JsonValueKind.Null => null,
        JsonValueKind.String => value.GetString(),
        JsonValueKind.Number => value.GetRawText(),
        _ => throw Error(lineNumber, $"a value must be a string, a number or null; found {value.ValueKind}."),
    };

    private static string String(JsonElement root, string name, int lineNumber) =>
        root.TryGetProperty(name, out var element) && element.ValueKind == JsonValueKind.String
            ? element.GetString()!
            : throw Error(lineNumber, $"\"{name}\" must be a string.");

    private static long Integer(JsonElement root, string name, int lineNumber) =>
        root.TryGetProperty(name, out var element)
        && element.ValueKind == JsonValueKind.Number
        && element.TryGetInt64(out var number)
            ? number
            : throw Error(lineNumber, $"\"{name}\" must be an integer.");

    private static FormatException Error(int lineNumber, string detail) => new(Message(lineNumber, detail));

    private static string Message(int lineNumber, string detail) =>
        string.Create(CultureInfo.InvariantCulture, $"History line {lineNumber}: {detail}");
}
