import { describe, expect, it } from 'vitest';
import { parseImageRef, sameImageRef } from './image-ref.js';

describe('parseImageRef', () => {
  it('fills in Docker Hub, library/ and latest', () => {
    expect(parseImageRef('postgres')).toEqual({ domain: 'docker.io', path: 'library/postgres', tag: 'latest' });
    expect(parseImageRef('bitnami/redis:7.2')).toEqual({ domain: 'docker.io', path: 'bitnami/redis', tag: '7.2' });
  });

  it('keeps another registry, with or without a port', () => {
    expect(parseImageRef('localhost:5000/app')).toEqual({ domain: 'localhost:5000', path: 'app', tag: 'latest' });
    expect(parseImageRef('ghcr.io/acme/web:1')).toEqual({ domain: 'ghcr.io', path: 'acme/web', tag: '1' });
  });

  it('splits a digest and does not invent a tag beside it', () => {
    const digest = 'sha256:0b7c5a9e1f2d3c4b5a69788796a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7';
    expect(parseImageRef(`postgres@${digest}`)).toEqual({ domain: 'docker.io', path: 'library/postgres', digest });
  });
});

describe('sameImageRef', () => {
  it.each([
    ['postgres', 'postgres:latest'],
    ['postgres:latest', 'postgres'],
    ['docker.io/library/postgres:15', 'postgres:15'],
    ['library/postgres:15', 'postgres:15'],
    ['index.docker.io/library/postgres:15', 'postgres:15'],
    ['postgres:15@sha256:abc', 'postgres:15'],
  ])('%s is %s', (actual, expected) => {
    expect(sameImageRef(actual, expected)).toBe(true);
  });

  it.each([
    ['postgres', 'postgres:15'],
    ['postgres:15.4', 'postgres:15'],
    ['debian:bookworm', 'postgres:15'],
    ['ghcr.io/library/postgres:15', 'postgres:15'],
    ['sha256:9f3ec01f884d', 'postgres:15'],
    ['postgres@sha256:abc', 'postgres:15'],
  ])('%s is not %s', (actual, expected) => {
    expect(sameImageRef(actual, expected)).toBe(false);
  });
});
