using Exports.Host;
using Exports.Cli;

try
{
    if (args.Length > 0 && args[0] == "render")
    {
        Environment.ExitCode = await RenderCommand.RunAsync(args[1..]);
        return;
    }
    if (args.Length > 0 && args[0] == "codegen")
    {
        // Wolverine's ahead-of-time handlers: `codegen write` regenerates api/Internal/Generated.
        Environment.ExitCode = await JasperFx.CommandLineHostingExtensions.RunJasperFxCommands(AppHost.Build(args), args);
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
catch (Exports.Data.MigrationFailedException e)
{
    Console.Error.WriteLine(e.Message);
    Environment.ExitCode = 3;
}

public partial class Program;
