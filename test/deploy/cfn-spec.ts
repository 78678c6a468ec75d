/**
 * Checks a CloudFormation template (JSON form) against the CloudFormation resource
 * specification that @aws-cdk/cfnspec ships: every resource type exists, every property is
 * known and has the shape the specification gives it, required properties are present, and
 * every Ref, Fn::GetAtt, Fn::Sub variable and DependsOn names a parameter, pseudo parameter or
 * resource (with an attribute that resource type has). Returns the problems as sentences;
 * an empty list means the template passed.
 */
import { specification } from "@aws-cdk/cfnspec";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

interface PropertySpec {
  Required?: boolean;
  PrimitiveType?: string;
  Type?: string;
  ItemType?: string;
  PrimitiveItemType?: string;
}
interface TypeSpec {
  Properties?: Record<string, PropertySpec>;
  Attributes?: Record<string, unknown>;
}
interface Spec {
  ResourceTypes: Record<string, TypeSpec>;
  PropertyTypes: Record<string, TypeSpec>;
  ResourceSpecificationVersion: string;
}

export const spec = specification() as unknown as Spec;

const PSEUDO_PARAMETERS = new Set([
  "AWS::AccountId",
  "AWS::NotificationARNs",
  "AWS::NoValue",
  "AWS::Partition",
  "AWS::Region",
  "AWS::StackId",
  "AWS::StackName",
  "AWS::URLSuffix",
]);
const TEMPLATE_SECTIONS = new Set([
  "AWSTemplateFormatVersion",
  "Description",
  "Metadata",
  "Parameters",
  "Rules",
  "Mappings",
  "Conditions",
  "Transform",
  "Resources",
  "Outputs",
]);
/** CloudFormation's parameter types: plain, lists, and the AWS-specific ones it checks. */
const PARAMETER_TYPE =
  /^(String|Number|List<Number>|CommaDelimitedList|(List<)?AWS::EC2::(AvailabilityZone::Name|Image::Id|Instance::Id|KeyPair::KeyName|SecurityGroup::GroupName|SecurityGroup::Id|Subnet::Id|Volume::Id|VPC::Id)>?|AWS::Route53::HostedZone::Id|List<AWS::Route53::HostedZone::Id>|AWS::SSM::Parameter::(Name|Value<.+>))$/;
const RESOURCE_KEYS = new Set([
  "Type",
  "Properties",
  "DependsOn",
  "Condition",
  "DeletionPolicy",
  "UpdateReplacePolicy",
  "UpdatePolicy",
  "CreationPolicy",
  "Metadata",
]);

const isObject = (v: Json | undefined): v is { [key: string]: Json } =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** `{ "Ref": … }` or `{ "Fn::…": … }`: a value CloudFormation computes, of any shape. */
const isIntrinsic = (v: Json): boolean => {
  if (!isObject(v)) return false;
  const keys = Object.keys(v);
  return keys.length === 1 && (keys[0] === "Ref" || (keys[0] as string).startsWith("Fn::"));
};

export function validateTemplate(template: Json): string[] {
  const problems: string[] = [];
  if (!isObject(template)) return ["the template is not a JSON object"];
  for (const key of Object.keys(template)) {
    if (!TEMPLATE_SECTIONS.has(key)) problems.push(`unknown template section ${key}`);
  }
  const parameters = isObject(template.Parameters) ? template.Parameters : {};
  const resources = isObject(template.Resources) ? template.Resources : {};
  const conditions = isObject(template.Conditions) ? template.Conditions : {};
  if (Object.keys(resources).length === 0) problems.push("the template has no Resources");
  for (const [name, parameter] of Object.entries(parameters)) {
    const type = isObject(parameter) ? parameter.Type : undefined;
    if (typeof type !== "string" || !PARAMETER_TYPE.test(type)) {
      problems.push(`parameter ${name}: ${String(type)} is not a parameter type`);
    }
  }

  const checkRef = (where: string, name: string) => {
    if (!PSEUDO_PARAMETERS.has(name) && !(name in parameters) && !(name in resources)) {
      problems.push(`${where}: Ref ${name} names no parameter or resource`);
    }
  };
  const checkGetAtt = (where: string, logicalId: string, attribute: string) => {
    const target = resources[logicalId];
    if (!isObject(target) || typeof target.Type !== "string") {
      problems.push(`${where}: Fn::GetAtt names no resource ${logicalId}`);
      return;
    }
    const attributes = spec.ResourceTypes[target.Type]?.Attributes ?? {};
    if (!(attribute in attributes)) {
      problems.push(`${where}: ${target.Type} ${logicalId} has no attribute ${attribute}`);
    }
  };

  const checkCondition = (where: string, name: Json | undefined) => {
    if (typeof name !== "string" || !(name in conditions)) {
      problems.push(`${where}: condition ${String(name)} is not defined`);
    }
  };

  /** Every reference anywhere below `value`, intrinsic functions nested in any shape. */
  const checkReferences = (where: string, value: Json) => {
    if (Array.isArray(value)) {
      for (const item of value) checkReferences(where, item);
      return;
    }
    if (!isObject(value)) return;
    for (const [key, inner] of Object.entries(value)) {
      if (key === "Ref") {
        if (typeof inner === "string") checkRef(where, inner);
        else problems.push(`${where}: Ref takes a name`);
      } else if (key === "Fn::GetAtt") {
        const [id, attribute] =
          typeof inner === "string" ? inner.split(/\.(.*)/) : (inner as Json[]);
        if (typeof id === "string" && typeof attribute === "string") {
          checkGetAtt(where, id, attribute);
        } else problems.push(`${where}: Fn::GetAtt takes [resource, attribute]`);
      } else if (key === "Fn::Sub") {
        const [text, variables] = typeof inner === "string" ? [inner, {}] : (inner as Json[]);
        if (typeof text !== "string") {
          problems.push(`${where}: Fn::Sub takes a string`);
          continue;
        }
        const own = isObject(variables) ? variables : {};
        // ${Name} or ${Resource.Attribute}; ${!Literal} is text.
        for (const [, name] of text.matchAll(/\$\{(?!!)([^}]+)\}/g)) {
          const variable = (name as string).trim();
          if (variable in own) continue;
          const dot = variable.indexOf(".");
          if (dot > 0 && !variable.startsWith("AWS::")) {
            checkGetAtt(where, variable.slice(0, dot), variable.slice(dot + 1));
          } else checkRef(where, variable);
        }
        checkReferences(where, own);
      } else if (key === "Fn::If") {
        const [name, ...branches] = Array.isArray(inner) ? inner : [];
        checkCondition(where, name);
        checkReferences(where, branches);
      } else if (key === "Condition" && typeof inner === "string") {
        // A condition inside Fn::And/Or/Not; an IAM statement's Condition is an object.
        checkCondition(where, inner);
      } else checkReferences(where, inner);
    }
  };

  /** `value` against the property specification `prop` of a property of `resourceType`. */
  const checkValue = (where: string, resourceType: string, prop: PropertySpec, value: Json) => {
    if (isIntrinsic(value)) return;
    const itemSpec = (): PropertySpec =>
      prop.PrimitiveItemType
        ? { PrimitiveType: prop.PrimitiveItemType }
        : { Type: prop.ItemType as string };
    if (prop.Type === "List") {
      if (!Array.isArray(value)) problems.push(`${where}: must be a list`);
      else {
        for (const [i, item] of value.entries()) {
          checkValue(`${where}[${i}]`, resourceType, itemSpec(), item);
        }
      }
    } else if (prop.Type === "Map") {
      if (!isObject(value)) problems.push(`${where}: must be a map`);
      else {
        for (const [k, item] of Object.entries(value)) {
          checkValue(`${where}.${k}`, resourceType, itemSpec(), item);
        }
      }
    } else if (prop.PrimitiveType) {
      checkPrimitive(where, prop.PrimitiveType, value);
    } else if (prop.Type) {
      const typeSpec =
        spec.PropertyTypes[`${resourceType}.${prop.Type}`] ?? spec.PropertyTypes[prop.Type];
      if (!typeSpec) problems.push(`${where}: the specification has no type ${prop.Type}`);
      else if (!isObject(value)) problems.push(`${where}: must be an object (${prop.Type})`);
      else checkProperties(where, resourceType, typeSpec, value);
    }
  };
  const checkPrimitive = (where: string, primitive: string, value: Json) => {
    const ok =
      primitive === "Json"
        ? isObject(value)
        : primitive === "Boolean"
          ? typeof value === "boolean" || value === "true" || value === "false"
          : primitive === "Integer" || primitive === "Long" || primitive === "Double"
            ? typeof value === "number" || (typeof value === "string" && /^-?\d/.test(value))
            : typeof value === "string" || typeof value === "number";
    if (!ok) problems.push(`${where}: must be of type ${primitive}, not ${JSON.stringify(value)}`);
  };
  const checkProperties = (
    where: string,
    resourceType: string,
    typeSpec: TypeSpec,
    properties: { [key: string]: Json },
  ) => {
    const known = typeSpec.Properties ?? {};
    for (const [name, value] of Object.entries(properties)) {
      const prop = known[name];
      if (!prop) problems.push(`${where}: ${resourceType} has no property ${name}`);
      else checkValue(`${where}.${name}`, resourceType, prop, value);
    }
    for (const [name, prop] of Object.entries(known)) {
      if (prop.Required && !(name in properties)) {
        problems.push(`${where}: required property ${name} is missing`);
      }
    }
  };

  for (const [id, resource] of Object.entries(resources)) {
    if (!isObject(resource) || typeof resource.Type !== "string") {
      problems.push(`${id}: a resource needs a Type`);
      continue;
    }
    for (const key of Object.keys(resource)) {
      if (!RESOURCE_KEYS.has(key)) problems.push(`${id}: unknown resource attribute ${key}`);
    }
    const typeSpec = spec.ResourceTypes[resource.Type];
    if (!typeSpec) {
      problems.push(`${id}: the specification has no resource type ${resource.Type}`);
      continue;
    }
    if (resource.Condition !== undefined) checkCondition(id, resource.Condition);
    const properties = resource.Properties ?? {};
    if (!isObject(properties)) problems.push(`${id}: Properties must be an object`);
    else checkProperties(id, resource.Type, typeSpec, properties);
    checkReferences(id, properties);
    const dependsOn = resource.DependsOn;
    for (const target of dependsOn === undefined ? [] : [dependsOn].flat()) {
      if (typeof target !== "string" || !(target in resources)) {
        problems.push(`${id}: DependsOn ${String(target)} names no resource`);
      }
    }
  }
  checkReferences("Conditions", conditions);
  checkReferences("Outputs", template.Outputs ?? {});
  return problems;
}
