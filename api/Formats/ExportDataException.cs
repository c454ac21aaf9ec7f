namespace Exports.Formats;

/// <summary>The data does not fit what the request asked of the format (a required Parquet column with a gap, an
/// int32 column holding a larger number, a table format past its row cap). It is the request's problem, not ours:
/// before the first byte it is a 400 on <see cref="Field"/>; after it, the response is aborted (or the job fails) with
/// this message.</summary>
public sealed class ExportDataException(string field, string message) : InvalidOperationException(message)
{
    public string Field { get; } = field;
}
