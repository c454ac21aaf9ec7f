using Exports.Host;

try
{
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
