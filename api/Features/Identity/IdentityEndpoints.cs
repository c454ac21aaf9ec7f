namespace Exports.Features.Identity;

public static class IdentityEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        Login.Map(api);
        GetMe.Map(api);
        ApiKeys.Map(api);
    }
}
