/** The materials of an OBJ's MTL file (Phong) as physically based ones. */
import { Color, DoubleSide, type Material, MathUtils, MeshStandardMaterial, type MeshPhongMaterial, SRGBColorSpace } from 'three';

/** MTL's Phong material as a physically based one that looks like what modelling tools show. */
export function standardFromObj(source: Material): MeshStandardMaterial {
  if (source instanceof MeshStandardMaterial) {
    source.side = DoubleSide;
    return source;
  }
  const phong = source as MeshPhongMaterial;
  const color = phong.color ? phong.color.clone() : new Color(0xcccccc);
  const map = phong.map ?? null;
  if (map) {
    map.colorSpace = SRGBColorSpace;
    // A texture shows as painted: Blender's exporter writes its leftover diffuse colour as Kd beside map_Kd (0.8
    // grey, but also 0.2/0.06/0.04 on the chicken, tan on the bulldog), which the modelling tool did not multiply in.
    color.setRGB(1, 1, 1);
  }
  const specular = phong.specular ? Math.max(phong.specular.r, phong.specular.g, phong.specular.b) : 0;
  const shininess = phong.shininess ?? 30;
  const roughness = specular < 0.02 ? 0.9 : MathUtils.clamp(Math.sqrt(2 / (shininess + 2)), 0.3, 0.9);
  const material = new MeshStandardMaterial({
    name: phong.name,
    color,
    map,
    roughness,
    metalness: 0,
    side: DoubleSide,
    transparent: phong.transparent,
    opacity: phong.opacity,
    alphaMap: phong.alphaMap ?? null,
    normalMap: phong.normalMap ?? null,
    bumpMap: phong.bumpMap ?? null,
    bumpScale: phong.bumpScale,
    emissive: phong.emissive ? phong.emissive.clone() : new Color(0),
    emissiveMap: phong.emissiveMap ?? null,
    // OBJLoader marks parts under `s off` as flat shaded, and files with vertex colours.
    flatShading: phong.flatShading,
    vertexColors: phong.vertexColors,
  });
  // Transparent glass drawn after the body keeps windows see-through but does not hide what is behind.
  if (material.transparent) material.depthWrite = false;
  // The Phong material gave its textures away; dispose only the material itself.
  phong.dispose();
  return material;
}
