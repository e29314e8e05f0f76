/** Where the sandbox's own Docker daemon listens, inside the sandbox (infra/images/sandbox: its CLI's default). */
export const INNER_DOCKER_SOCKET = '/var/run/docker.sock';
