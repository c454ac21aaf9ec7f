import { Alert } from "../components/ui/Alert";
import { Button } from "../components/ui/Button";
import { useMe } from "../features/auth/api/get-me";
import type { User } from "../features/auth/api/user";
import { AppLayout } from "./AppLayout";
import { useRoute } from "./navigation";
import { AppProvider } from "./provider";
import { applyTheme } from "../lib/theme";
import { DashboardsPage } from "./routes/DashboardsPage";
import { DestinationsPage } from "./routes/DestinationsPage";
import { ExplorePage } from "./routes/ExplorePage";
import { HistoryPage } from "./routes/HistoryPage";
import { HomePage } from "./routes/HomePage";
import { LoginPage } from "./routes/LoginPage";
import { SchedulesPage } from "./routes/SchedulesPage";
import { SourcesPage } from "./routes/SourcesPage";
import { TemplatesPage } from "./routes/TemplatesPage";

// The stored theme is on <html> before the first render, so the page never flashes the other one.
applyTheme();

export function App() {
  return (
    <AppProvider>
      <AuthGate />
    </AppProvider>
  );
}

/** No session shows Login; a session shows the page in the address (the landing page unless it names one). */
function AuthGate() {
  const me = useMe();
  if (me.isPending) {
    return (
      <p className="splash" role="status">
        Loading…
      </p>
    );
  }
  if (me.isError) {
    return (
      <main className="splash">
        <Alert title="Exports cannot reach its server.">
          <p className="alert-detail">{me.error.message}</p>
          <Button onClick={() => void me.refetch()}>Try again</Button>
        </Alert>
      </main>
    );
  }
  if (!me.data) return <LoginPage />;
  return <SignedIn user={me.data} />;
}

function SignedIn({ user }: { user: User }) {
  const route = useRoute();
  return (
    <AppLayout user={user} current={route.page}>
      {route.page === "home" ? (
        <HomePage />
      ) : route.page === "dashboards" ? (
        <DashboardsPage selected={route.dashboard} />
      ) : route.page === "history" ? (
        <HistoryPage />
      ) : route.page === "templates" ? (
        <TemplatesPage />
      ) : route.page === "schedules" ? (
        <SchedulesPage template={route.template} />
      ) : route.page === "sources" ? (
        <SourcesPage source={route.source} />
      ) : route.page === "destinations" ? (
        <DestinationsPage />
      ) : (
        <ExplorePage />
      )}
    </AppLayout>
  );
}
