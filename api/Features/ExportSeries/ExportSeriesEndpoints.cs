namespace Exports.Features.ExportSeries;

public static class ExportSeriesEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        StartSeriesExport.Map(api);
        PreviewSeriesExport.Map(api);
        QuickSeriesExport.Map(api);
        DirectDownload.Map(api);
        ExportWidgetData.Map(api);
    }
}
