// Closes a test's HTTP server together with the keep-alive connections its clients left open,
// so a test file ends at once instead of waiting for those connections to time out.
import type { Server } from 'node:http';

export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
