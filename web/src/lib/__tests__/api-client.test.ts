import { describe, expect, it } from "vitest";
import { jsonResponse, mockFetch, problemResponse } from "../../test/fetch-mock";
import { ApiError, apiFetch, apiJson, errorsFor, toApiError } from "../api-client";
import { z } from "zod";

describe("toApiError", () => {
  it("reads status, title, detail and field errors from Problem Details", async () => {
    const error = await toApiError(
      problemResponse({
        status: 400,
        title: "One or more validation errors occurred.",
        detail: "The export request is invalid.",
        errors: { "formatOptions.delimiter": ["Delimiter must be one of , ; \\t |."], metrics: ["Unknown metric 'cpu'."] },
      }),
    );

    expect(error).toBeInstanceOf(ApiError);
    expect(error.status).toBe(400);
    expect(error.title).toBe("One or more validation errors occurred.");
    expect(error.detail).toBe("The export request is invalid.");
    expect(error.type).toBe("https://tools.ietf.org/html/rfc9110#section-15.5.1");
    expect(error.errors).toEqual({
      "formatOptions.delimiter": ["Delimiter must be one of , ; \\t |."],
      metrics: ["Unknown metric 'cpu'."],
    });
  });

  it("falls back to the status text when the body is not Problem Details", async () => {
    const error = await toApiError(new Response("upstream timed out", { status: 502, statusText: "Bad Gateway" }));

    expect(error.status).toBe(502);
    expect(error.title).toBe("Bad Gateway");
    expect(error.detail).toBe("upstream timed out");
    expect(error.errors).toEqual({});
  });
});

describe("apiFetch", () => {
  it("sends JSON with the session cookie and throws ApiError on a problem", async () => {
    const requests = mockFetch({
      "POST /api/v1/auth/login": () => problemResponse({ status: 401, title: "Unauthorized", detail: "Invalid email or password." }),
    });

    const failure = apiFetch("/api/v1/auth/login", { method: "POST", body: { email: "a@b.c", password: "x" } });

    await expect(failure).rejects.toMatchObject({ status: 401, title: "Unauthorized", detail: "Invalid email or password." });
    expect(requests[0]!.init.credentials).toBe("same-origin");
    expect(requests[0]!.init.headers).toMatchObject({ "Content-Type": "application/json" });
    expect(requests[0]!.body).toEqual({ email: "a@b.c", password: "x" });
  });

  it("turns a network failure into an ApiError with status 0", async () => {
    mockFetch({ "GET /api/v1/sources": () => Promise.reject(new TypeError("Failed to fetch")) });

    await expect(apiFetch("/api/v1/sources")).rejects.toMatchObject({ status: 0, title: "Could not reach the server" });
  });
});

describe("apiJson", () => {
  it("rejects an answer that does not match the schema", async () => {
    mockFetch({ "GET /api/v1/auth/me": () => jsonResponse({ id: 1 }) });

    const failure = apiJson("/api/v1/auth/me", z.object({ id: z.number(), email: z.string() }));

    await expect(failure).rejects.toMatchObject({ title: "Unexpected response from the server" });
    await expect(failure).rejects.toThrow(/email/);
  });
});

describe("errorsFor", () => {
  it("matches field names case-insensitively", () => {
    const error = new ApiError({ status: 400, title: "Invalid", errors: { Email: ["Email is required."] } });

    expect(errorsFor(error, "email")).toEqual(["Email is required."]);
    expect(errorsFor(error, "password")).toBeUndefined();
  });
});
