/**
 * Field maps: the standard Contact and Company, and how each platform names and types them.
 * @module
 */

export { coerceValue } from './coerce.js'
export type { FieldMapUse, MapOptions } from './map.js'
export { FieldMapError, fieldMap, mapFields, toStandard } from './map.js'
export type { ConnectorField, ConnectorObjectFields, FieldType, StandardField, StandardObject } from './registry.js'
export { CONNECTOR_FIELDS, STANDARD_OBJECTS, tryGetObjectFields } from './registry.js'
export { checkFieldMaps } from './validate.js'
