// The server dialog's sections beyond its core fields register here: each fills its inputs from a server
// (null: a new one) and adds its fields to the API body, so a new section is a module and a template partial.
const sections = [];

/** section: { fill(form, server), collect(form, data, server), afterSave?(saved) } — collect sets data's fields (and
 * connect_params); afterSave saves what has an API of its own once the registration is saved (it may throw). */
export function addSection(section) {
  sections.push(section);
}

export function fillSections(form, server) {
  for (const section of sections) section.fill(form, server);
}

export function collectSections(form, data, server) {
  for (const section of sections) section.collect(form, data, server);
}

export async function afterSaveSections(saved) {
  for (const section of sections) await section.afterSave?.(saved);
}
