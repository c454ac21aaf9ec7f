namespace Exports.Features.Sources;

public static class SourcesEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        ListSources.Map(api);
        CreateSource.Map(api);
        Ingest.Map(api);
    }
}
