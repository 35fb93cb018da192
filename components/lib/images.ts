import { ImagePin } from "../catalog";

/**
 * Resolves an image pin against the configured registry override: `registry` replaces the
 * upstream registry host and keeps the repository path, so a mirror only needs the same paths.
 */
export function imageRef(pin: ImagePin, registryOverride: string): string {
    return `${registryFor(pin, registryOverride)}/${pin.repository}:${pin.tag}`;
}

/** The registry an image is pulled from: the override when set, the upstream registry otherwise. */
export function registryFor(pin: ImagePin, registryOverride: string): string {
    return registryOverride === "" ? pin.registry : registryOverride;
}

/** `registry/repository` without the tag, for charts that take repository and tag apart. */
export function repositoryRef(pin: ImagePin, registryOverride: string): string {
    return `${registryFor(pin, registryOverride)}/${pin.repository}`;
}

/** `{registry, repository, tag}`, the image object most charts take, with the registry override applied. */
export function imageValues(pin: ImagePin, registryOverride: string): { registry: string; repository: string; tag: string } {
    return { registry: registryFor(pin, registryOverride), repository: pin.repository, tag: pin.tag };
}
