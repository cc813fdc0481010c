/* The few Express shapes we touch. @types/express is not installed; these match Express 5 at runtime. */
export interface HttpRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  route?: { path?: string };
}

export interface HttpResponse {
  statusCode: number;
  headersSent: boolean;
  status(code: number): HttpResponse;
  json(body: unknown): HttpResponse;
  setHeader(name: string, value: string): void;
  on(event: 'finish', listener: () => void): void;
}

export type NextFunction = (error?: unknown) => void;
