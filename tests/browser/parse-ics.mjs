#!/usr/bin/env node
// Parses an iCalendar file with ical.js (Mozilla's RFC 5545 parser, used by Thunderbird) and
// prints what a calendar program would read from it, as one JSON line:
//   ICS {"version", "prodid", "calscale", "method", "name", "events": [{uid, dtstamp, start,
//        end, allDay, summary, description, url, categories}]}
// Exits 1, with the parser's message, when the file does not parse or lacks what RFC 5545
// requires of a calendar (VERSION, PRODID) and of an event (UID, DTSTAMP, DTSTART).
//
//   node tests/browser/parse-ics.mjs public/calendar.ics

import { readFileSync } from "node:fs";

import ICAL from "ical.js";

const path = process.argv[2];
try {
  const text = readFileSync(path, "utf8");
  const calendar = new ICAL.Component(ICAL.parse(text));
  const problems = [];
  if (calendar.name !== "vcalendar") {
    problems.push(`the root component is ${calendar.name}`);
  }
  for (const property of ["version", "prodid"]) {
    if (!calendar.hasProperty(property)) {
      problems.push(`the calendar has no ${property.toUpperCase()}`);
    }
  }
  const events = calendar.getAllSubcomponents("vevent").map((component, index) => {
    for (const property of ["uid", "dtstamp", "dtstart"]) {
      if (!component.hasProperty(property)) {
        problems.push(`event ${index + 1} has no ${property.toUpperCase()}`);
      }
    }
    const event = new ICAL.Event(component);
    const value = (name) => component.getFirstPropertyValue(name);
    return {
      uid: event.uid,
      dtstamp: value("dtstamp") && value("dtstamp").toString(),
      start: event.startDate && event.startDate.toString(),
      end: event.endDate && event.endDate.toString(),
      allDay: Boolean(event.startDate && event.startDate.isDate),
      summary: event.summary,
      description: event.description,
      url: value("url"),
      categories: component.getAllProperties("categories").flatMap((p) => p.getValues()),
    };
  });
  const record = {
    version: calendar.getFirstPropertyValue("version"),
    prodid: calendar.getFirstPropertyValue("prodid"),
    calscale: calendar.getFirstPropertyValue("calscale"),
    method: calendar.getFirstPropertyValue("method"),
    name: calendar.getFirstPropertyValue("x-wr-calname"),
    events,
  };
  console.log(`ICS ${JSON.stringify(record)}`);
  if (problems.length) {
    console.log(`not ok - ${path}: ${problems.join("; ")}`);
    process.exit(1);
  }
  console.log(`ok - ical.js reads ${path}: ${events.length} events`);
} catch (error) {
  console.log(`not ok - ical.js cannot read ${path}: ${error && error.message ? error.message : error}`);
  process.exit(1);
}
