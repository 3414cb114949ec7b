// An incident's JSON text, kept with the parsed incident: the coordinator stores each incident
// as JSON text in SQLite (coordinator/page-storage.ts parses it), and several documents take
// that text as an input of their fingerprint (render/documents.ts, render/api/feeds.ts), so it
// is serialised at most once per snapshot.
import type { Incident } from './schema.ts';

const incidentJson = new WeakMap<Incident, string>();

/**
 * An incident as its keeper stores it (JSON text in the coordinator's SQLite): parsed, with
 * the text kept as its serialisation. Any text that parses to the incident serves: inputs
 * only need the same text to mean the same incident.
 */
export function incidentFromJson(text: string): Incident {
  const incident = JSON.parse(text) as Incident;
  incidentJson.set(incident, text);
  return incident;
}

export function jsonOfIncident(incident: Incident): string {
  let json = incidentJson.get(incident);
  if (json === undefined) {
    json = JSON.stringify(incident);
    incidentJson.set(incident, json);
  }
  return json;
}
