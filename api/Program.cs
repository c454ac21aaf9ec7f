using Exports.Host;

try
{
    if (args.Length > 0 && args[0] == "render")
    {
        Environment.ExitCode = await RenderCommand.RunAsync(args[1..]);
        return;
    }
    var app = AppHost.Build(args);
    await AppHost.PrepareAsync(app);
    await app.RunAsync();
}
catch (SettingsException e)
{
    Console.Error.WriteLine($"Configuration error: {e.Message}");
    Environment.ExitCode = 2;
}

public partial class Program;
