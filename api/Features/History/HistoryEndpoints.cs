namespace Exports.Features.History;

public static class HistoryEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        SubmitExport.Map(api);
        ListExports.Map(api);
        GetExport.Map(api);
        ListDeliveries.Map(api);
        WatchExport.Map(api);
        CancelExport.Map(api);
        DeleteExport.Map(api);
        RerunExport.Map(api);
        DownloadExport.Map(api);
        ShareExport.Map(api);
    }
}
