import Foundation

/// A small ImageNet-LT-style data folder written by real Pillow: `train/<wnid>/<name>.JPEG` files and a
/// list file of `"<relative/path> <label>"` lines (with one blank line, as hand-edited lists have).
/// Three classes, long-tailed (7, 4, 2 listed images), JPEGs of several sizes and aspect ratios
/// (one large enough for libjpeg's DCT scaling at 224 px), a grayscale JPEG, a CMYK JPEG (Adobe, as
/// Pillow writes it), a PNG with alpha saved under a `.JPEG` name (ImageNet has such files), one
/// truncated JPEG and one listed file that does not exist.
///
/// ```swift
/// let data = try ImageNetLTFolder.write()
/// defer { data.remove() }
/// let list = try ImageList(listFile: data.listFile, root: data.root)
/// ```
public struct ImageNetLTFolder: Sendable {
    public let folder: TemporaryFolder
    public var root: String { folder.path }
    public var listFile: String { folder.file("ImageNet_LT_train.txt") }
    /// Listed images, the broken two included.
    public static let listedCount = 13
    public static let classCounts = [7, 4, 2]
    /// 1-based list lines of the truncated JPEG and of the missing file (a blank line comes before them),
    /// and their image indices.
    public static let corruptLine = 11
    public static let missingLine = 14
    public static let corruptIndex = 9
    public static let missingIndex = 12
    public static let corruptPath = "train/n01/truncated.JPEG"
    public static let missingPath = "train/n02/absent.JPEG"

    /// Writes the folder with Pillow (one Python process).
    public static func write(prefix: String = "tailkit-imagenet-lt") throws -> ImageNetLTFolder {
        let folder = try TemporaryFolder(prefix)
        _ = try TestPython.run(script, arguments: [folder.path])
        return ImageNetLTFolder(folder: folder)
    }

    /// Writes `count` small RGB JPEGs (sides 64 to 160, several aspect ratios) in `classes` classes
    /// and their list; for memory and throughput measurements.
    public static func writeSmallJPEGs(count: Int, classes: Int, prefix: String = "tailkit-small-jpegs") throws -> ImageNetLTFolder {
        let folder = try TemporaryFolder(prefix)
        _ = try TestPython.run(smallScript, arguments: [folder.path, "\(count)", "\(classes)"])
        return ImageNetLTFolder(folder: folder)
    }

    public func remove() { folder.remove() }

    static let script = #"""
import io, os, sys
from PIL import Image
root = sys.argv[1]

def picture(w, h, seed):
    r = Image.linear_gradient("L").resize((w, h))
    g = Image.radial_gradient("L").resize((w, h)).rotate(seed * 37)
    b = Image.effect_noise((w, h), 40 + seed)
    return Image.merge("RGB", (r, g, b))

def save(rel, image, **kw):
    path = os.path.join(root, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    image.save(path, **kw)

lines = []
def add(rel, label):
    lines.append(f"{rel} {label}")

sizes = [(320, 240), (240, 320), (500, 140), (97, 333), (64, 64), (1024, 768), (640, 427)]
for i, (w, h) in enumerate(sizes):
    rel = f"train/n00/img{i}.JPEG"
    save(rel, picture(w, h, i), format="JPEG", quality=90)
    add(rel, 0)
save("train/n01/gray.JPEG", picture(300, 200, 1).convert("L"), format="JPEG", quality=85)
add("train/n01/gray.JPEG", 1)
save("train/n01/cmyk.JPEG", picture(260, 300, 2).convert("CMYK"), format="JPEG", quality=90)
add("train/n01/cmyk.JPEG", 1)
buf = io.BytesIO()
picture(400, 300, 3).save(buf, format="JPEG", quality=90)
data = buf.getvalue()
path = os.path.join(root, "train/n01/truncated.JPEG")
with open(path, "wb") as f:
    f.write(data[: len(data) // 3])
add("train/n01/truncated.JPEG", 1)
rgba = picture(180, 150, 4).convert("RGBA")
rgba.putalpha(Image.linear_gradient("L").resize((180, 150)))
save("train/n01/alpha.JPEG", rgba, format="PNG")
add("train/n01/alpha.JPEG", 1)
save("train/n02/wide.JPEG", picture(800, 300, 5), format="JPEG", quality=95)
add("train/n02/wide.JPEG", 2)
add("train/n02/absent.JPEG", 2)
# A blank line before the last class, so list lines and image indices differ.
text = "\n".join(lines[:9]) + "\n\n" + "\n".join(lines[9:]) + "\n"
with open(os.path.join(root, "ImageNet_LT_train.txt"), "w") as f:
    f.write(text)
"""#

    static let smallScript = #"""
import os, random, sys
from PIL import Image
root, count, classes = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rng = random.Random(0)
base = Image.merge("RGB", (Image.linear_gradient("L"), Image.radial_gradient("L"), Image.effect_noise((256, 256), 50)))
lines = []
for i in range(count):
    label = i % classes
    w, h = rng.randint(64, 160), rng.randint(64, 160)
    rel = f"train/c{label:04d}/{i:06d}.JPEG"
    path = os.path.join(root, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    base.rotate(rng.random() * 360).resize((w, h)).save(path, format="JPEG", quality=85)
    lines.append(f"{rel} {label}")
with open(os.path.join(root, "ImageNet_LT_train.txt"), "w") as f:
    f.write("\n".join(lines) + "\n")
"""#
}
