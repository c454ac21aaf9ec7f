import { routeHref } from "../navigation";

const START = [
  {
    title: "Explore a source",
    text: "Choose a source, its metrics and a time range, preview the rows and a chart, then export them as CSV, JSON, Parquet, Excel and more.",
    href: routeHref({ page: "explore" }),
    action: "Explore a source",
  },
  {
    title: "Dashboards",
    text: "Export a whole dashboard or one panel as a PNG image or a PDF, with its own range and time zone, or share a read-only link.",
    href: routeHref({ page: "dashboards" }),
    action: "Open dashboards",
  },
  {
    title: "History",
    text: "Every background export: follow its progress, download the file, copy a link that expires, run it again or delete it.",
    href: routeHref({ page: "history" }),
    action: "Open history",
  },
] as const;

/** The landing page after sign-in: what the product does and where to start. */
export function HomePage() {
  return (
    <div className="home">
      <section className="home-intro" aria-labelledby="home-title">
        <h1 id="home-title" className="home-title">
          Get your metrics and events out, in the shape you need
        </h1>
        <p className="home-lead">
          Exports turns time series and event records into files (filtered, aggregated and bucketed in any time zone)
          and draws dashboards to PNG and PDF. Download right away, run large exports in the background, or schedule
          them and deliver by e-mail, webhook, S3 or SFTP.
        </p>
      </section>
      <h2 className="sr-only">Where to start</h2>
      <ul className="home-cards">
        {START.map((item) => (
          <li key={item.title} className="card home-card">
            <h3 className="section-title">{item.title}</h3>
            <p className="muted">{item.text}</p>
            <a className="btn btn-primary home-action" href={item.href}>
              {item.action}
            </a>
          </li>
        ))}
      </ul>
      <p className="home-more muted">
        Repeat an export: save it as a <a href={routeHref({ page: "templates" })}>template</a>, run it on a{" "}
        <a href={routeHref({ page: "schedules" })}>schedule</a> and send it to a{" "}
        <a href={routeHref({ page: "destinations" })}>destination</a>.
      </p>
    </div>
  );
}
