/** Scene-file angles and distances to three.js transforms. Angles in the file are degrees. */
import { MathUtils, Object3D, PerspectiveCamera, Vector3 } from 'three';
import type { ObjectPose, SceneCamera, SceneLight } from '../../core/sceneTypes';

const rad = MathUtils.degToRad;

/** Unit vector for an azimuth/elevation pair: azimuth 0 is +z (in front of the object), 90 is +x, elevation up. */
export function directionFrom(azimuthDeg: number, elevationDeg: number, target = new Vector3()): Vector3 {
  const az = rad(azimuthDeg);
  const el = rad(elevationDeg);
  return target.set(Math.cos(el) * Math.sin(az), Math.sin(el), Math.cos(el) * Math.cos(az));
}

/**
 * Yaw about the vertical axis, then pitch about the object's left-right axis, then roll about its front-back axis;
 * then the object's centre moves to (x, y, z) in object radii (the objects are normalised to radius 1; +z is
 * towards a camera at azimuth 0).
 */
export function applyObjectPose(object: Object3D, pose: ObjectPose): void {
  object.rotation.set(rad(pose.pitch), rad(pose.yaw), rad(pose.roll), 'YXZ');
  object.scale.setScalar(pose.scale);
  object.position.set(pose.x, pose.y, pose.z);
}

const right = new Vector3();
const up = new Vector3();

/**
 * Orbit camera around the origin (the object's centre), rolled about its view axis, then shifted in its own image
 * plane so the object's centre lands at (translateX, translateY) in normalised image coordinates: +-1 is the
 * image edge at the object's distance, whatever the field of view.
 */
export function placeCamera(camera: PerspectiveCamera, pose: SceneCamera, aspect: number): void {
  camera.fov = pose.fov;
  camera.aspect = aspect;
  camera.near = 0.01;
  camera.far = 100;
  camera.updateProjectionMatrix();

  directionFrom(pose.azimuth, pose.elevation, camera.position).multiplyScalar(pose.distance);
  camera.up.set(0, 1, 0);
  camera.lookAt(0, 0, 0);
  camera.rotateZ(rad(pose.roll));
  camera.updateMatrixWorld();

  const halfHeight = pose.distance * Math.tan(rad(pose.fov) / 2);
  right.setFromMatrixColumn(camera.matrixWorld, 0).multiplyScalar(-pose.translateX * halfHeight * aspect);
  up.setFromMatrixColumn(camera.matrixWorld, 1).multiplyScalar(-pose.translateY * halfHeight);
  camera.position.add(right).add(up);
  camera.updateMatrixWorld();
}

/** Where the key light comes from, in world space (it stays put when the camera orbits). */
export function lightPosition(light: SceneLight, target = new Vector3()): Vector3 {
  return directionFrom(light.azimuth, light.elevation, target).multiplyScalar(10);
}
