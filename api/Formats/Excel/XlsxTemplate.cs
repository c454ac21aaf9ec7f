namespace Exports.Formats.Excel;

/// <summary>Template workbooks: a user's .xlsx whose named sheet receives the data.</summary>
public static class XlsxTemplate
{
    /// <summary>Null when the template can be used; otherwise what is wrong with it.</summary>
    public static string? Check(byte[] template, string? sheet) => "Templates are not supported yet.";
}
