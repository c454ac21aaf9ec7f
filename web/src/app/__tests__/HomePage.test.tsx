import { render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { parseRoute } from "../navigation";
import { HomePage } from "../routes/HomePage";

describe("HomePage", () => {
  it("says what the product does and links to where to start", () => {
    render(<HomePage />);
    expect(screen.getByRole("heading", { level: 1 })).toHaveTextContent("Get your metrics and events out");
    const starts = [
      ["Explore a source", "explore"],
      ["Open dashboards", "dashboards"],
      ["Open history", "history"],
      ["template", "templates"],
      ["schedule", "schedules"],
      ["destination", "destinations"],
    ] as const;
    for (const [name, page] of starts) {
      const href = screen.getByRole("link", { name }).getAttribute("href")!;
      expect(parseRoute(href).page).toBe(page);
    }
  });
});
